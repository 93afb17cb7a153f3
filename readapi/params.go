package readapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

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

// ErrLagging is answered 504 projection_lagging: a read model did not
// reach min_position in time, or (wrapped by a UserHistory's error) the
// copy of the event store a point-in-time read comes from had not caught
// up in time. Never answered from the stale source.
var ErrLagging = errors.New("the data did not catch up in time")

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

// answerError maps a read's failure to its problem document; a database out
// of reach is 503 unavailable (access.Outage), anything else not a client
// mistake is logged with the request id and answered as internal.
func (a *API) answerError(w http.ResponseWriter, r *http.Request, err error) {
	var failed *ProjectionFailed
	var refusal *domain.Error
	if a.Outage != nil {
		err = a.Outage(err)
	}
	id := middleware.GetReqID(r.Context())
	outage := access.Outage(err)
	switch {
	case errors.As(err, &refusal) && refusal.Kind() == domain.InvalidInput:
		access.WriteError(w, refusal)
	case errors.Is(err, ErrLagging):
		access.WriteProblem(w, http.StatusGatewayTimeout, domain.CodeProjectionLagging, err.Error())
	case errors.Is(err, errNotFound):
		access.WriteProblem(w, http.StatusNotFound, domain.CodeNotFound, err.Error())
	case errors.As(err, &failed):
		access.WriteProblemWith(w, http.StatusServiceUnavailable, domain.CodeProjectionFailed, failed.Error(),
			map[string]any{"position": failed.Failure.Position.String()})
	case outage != nil:
		a.Log.Warn("read not served: the database cannot be reached", "route", chi.RouteContext(r.Context()).RoutePattern(), "request_id", id, "error", err)
		access.WriteError(w, outage)
	default:
		a.Log.Error("read failed", "route", chi.RouteContext(r.Context()).RoutePattern(), "request_id", id, "error", err)
		access.WriteProblem(w, http.StatusInternalServerError, domain.CodeInternal, "internal error; request id "+id)
	}
}

var errNotFound = errors.New("no such resource in this tenant")

// Failures tells whether a tenant's read models stopped on an event.
type Failures interface {
	// FailureOf returns the failure of the first of readModels stopped for
	// tenant, if any. exact asks for the stored state; otherwise a copy a
	// moment old may answer.
	FailureOf(ctx context.Context, tenant domain.TenantID, exact bool, readModels ...string) (projections.TenantFailure, bool, error)
}

// ProjectionFailed is answered 503 projection_failed: a read model the read
// needs stopped on an event of the tenant.
type ProjectionFailed struct {
	Failure projections.TenantFailure
}

// Error says which read model stopped where, never why: the cause may
// describe another tenant's data, and is for the operator's eyes
// (GET /v1/projections).
func (e *ProjectionFailed) Error() string {
	return fmt.Sprintf("the %s read model of this tenant stopped at %s on an event it could not apply (%s); "+
		"an operator can retry it once the cause is fixed", e.Failure.Projection, e.Failure.Position, e.Failure.EventType)
}
