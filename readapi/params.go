package readapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// invalid is a client mistake in the request's parameter field (400
// invalid, naming it).
func invalid(field, format string, args ...any) error {
	return domain.InvalidField(field, format, args...)
}

// limitOf reads limit (1–500, default 50).
func limitOf(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 500 {
		return 0, invalid("limit", "limit must be a whole number from 1 to 500")
	}
	return n, nil
}

// maxInactiveDays bounds inactive_days: ten years.
const maxInactiveDays = 3650

// inactiveDaysOf reads inactive_days: 0 when absent, else a whole number
// of days from 1 to 3650, written plainly (digits only, no sign, no leading
// zero) and given once; anything else is refused naming it.
func inactiveDaysOf(q url.Values) (int, error) {
	values, given := q["inactive_days"]
	if !given {
		return 0, nil
	}
	n, err := strconv.Atoi(values[0])
	if len(values) != 1 || err != nil || strconv.Itoa(n) != values[0] || n < 1 || n > maxInactiveDays {
		return 0, invalid("inactive_days", "inactive_days must be given once, as a whole number of days from 1 to %d", maxInactiveDays)
	}
	return n, nil
}

// countsByStatusOf reads counts: false when absent, true for "status"
// given once; anything else is refused naming it.
func countsByStatusOf(q url.Values) (bool, error) {
	values, given := q["counts"]
	if !given {
		return false, nil
	}
	if len(values) != 1 || values[0] != "status" {
		return false, invalid("counts", "counts must be given once, as status")
	}
	return true, nil
}

// oneOf reads an optional parameter restricted to values.
func oneOf(q url.Values, name string, values ...string) (string, error) {
	v := q.Get(name)
	if v == "" {
		return "", nil
	}
	for _, ok := range values {
		if v == ok {
			return v, nil
		}
	}
	return "", invalid(name, "%s must be one of %v", name, values)
}

// timeOf reads an optional RFC 3339 instant.
func timeOf(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, invalid(name, "%s must be an RFC 3339 instant", name)
	}
	return t, nil
}

// Waiter waits until the named read models have applied a position.
type Waiter interface {
	WaitFor(ctx context.Context, at eventstore.Position, readModels ...string) error
}

// ErrLagging is the refusal projection_lagging (504): a read model did not
// reach min_position in time, or (wrapped by a UserHistory's error) the
// copy of the event store a point-in-time read comes from had not caught
// up in time. Never answered from the stale source.
var ErrLagging error = domain.NewError(domain.CodeProjectionLagging, "the data did not catch up in time")

// minPositionWait bounds a read's wait for its read models (API.md: 5 s).
const minPositionWait = 5 * time.Second

// awaitPosition honours min_position: it returns once readModels have
// applied it, ErrLagging after 5 s, or an invalid refusal for a malformed
// position.
func awaitPosition(r *http.Request, w Waiter, readModels ...string) error {
	raw := r.URL.Query().Get("min_position")
	if raw == "" {
		return nil
	}
	pos, err := eventstore.ParsePosition(raw)
	if err != nil {
		return invalid("min_position", "min_position must be a position this API gave out")
	}
	ctx, cancel := context.WithTimeout(r.Context(), minPositionWait)
	defer cancel()
	if err := w.WaitFor(ctx, pos, readModels...); err != nil {
		if ctx.Err() != nil {
			return ErrLagging
		}
		return err
	}
	return nil
}

// answerError answers a read's failure by its problem document
// (access.Answer), once Outage has said whether it is the database out of
// reach.
func (a *API) answerError(w http.ResponseWriter, r *http.Request, err error) {
	if a.Outage != nil {
		err = a.Outage(err)
	}
	access.Answer(a.Log, w, r, err)
}

// errNotFound is the refusal of a read of what the tenant does not have.
var errNotFound error = domain.NewError(domain.CodeNotFound, "no such resource in this tenant")

// Failures tells whether a tenant's read models stopped on an event.
type Failures interface {
	// FailureOf returns the failure of the first of readModels stopped for
	// tenant, if any. exact asks for the stored state; otherwise a copy a
	// moment old may answer.
	FailureOf(ctx context.Context, tenant domain.TenantID, exact bool, readModels ...string) (projections.TenantFailure, bool, error)
}

// projectionFailed is the refusal projection_failed (503), with the
// position it names: a read model the read needs stopped on an event of
// the tenant. Its detail says which read model stopped where, never why:
// the cause may describe another tenant's data, and is for the operator's
// eyes (GET /v1/projections).
func projectionFailed(f projections.TenantFailure) error {
	refusal := domain.NewError(domain.CodeProjectionFailed, "the %s read model of this tenant stopped at %s on an event it could not apply (%s); "+
		"an operator can retry it once the cause is fixed", f.Projection, f.Position, f.EventType)
	return access.Extend(refusal, access.Extra{Position: f.Position.String()})
}
