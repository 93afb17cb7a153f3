package readapi

import (
	"context"
	"encoding/json"

	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/publicevents"
)

// maxEventsWait bounds ?wait (API.md: 30 s).
const maxEventsWait = 30 * time.Second

// DefaultEventsRetention is how far back the pull feed reaches when the
// API is given none: 90 days.
const DefaultEventsRetention = 90 * 24 * time.Hour

var (
	afterParam = parameter{name: "after", max: 64} // a position, "<commit>-<prepare>"
	typeParam  = parameter{name: "type", max: 64}
	waitParam  = parameter{name: "wait", max: 8}
)

// eventsPage is the pull feed's reply: public events, in order, and the
// cursor to read on from (the last event's position; the one given when
// the page is empty, so that a consumer always has one to pass back).
type eventsPage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

// listEvents answers GET /v1/tenants/{tenant}/events and, for the
// operator, GET /v1/events: the public events after a cursor, within the
// retention. With wait, an empty page waits (at most that long) for the
// public events projector to tell more, re-reading each time it moves on.
func (a *API) listEvents(w http.ResponseWriter, r *http.Request) {
	f, wait, err := eventsFilter(r.URL.Query())
	if err == nil {
		f.Tenant = domain.TenantID(chi.URLParam(r, "tenant"))
		f.Since = a.now().Add(-a.retention())
		err = a.ready(r, publicevents.Table)
	}
	if err != nil {
		a.answerError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	for {
		// Where the projector is, read before the page (an event told
		// between the two is then waited for): only a page that may wait
		// needs it.
		var checkpoint projections.Checkpoint
		var err error
		if wait > 0 {
			checkpoint, err = projections.LoadCheckpoint(r.Context(), a.DB, publicevents.Table)
		}
		var told []publicevents.Told
		if err == nil {
			told, err = publicevents.Page(r.Context(), a.DB, f)
		}
		if err != nil {
			a.answerError(w, r, err)
			return
		}
		if len(told) > 0 || wait == 0 || !a.awaitMore(ctx, checkpoint.Position) {
			writeJSON(w, http.StatusOK, pageOf(told, f.After))
			return
		}
	}
}

// awaitMore waits until the public events projector has gone past at,
// and reports whether it did before ctx ended.
func (a *API) awaitMore(ctx context.Context, at eventstore.Position) bool {
	next := eventstore.Position{Commit: at.Commit, Prepare: at.Prepare + 1}
	return a.Waiter.WaitFor(ctx, next, publicevents.Table) == nil
}

func pageOf(told []publicevents.Told, after eventstore.Position) eventsPage {
	page := eventsPage{Items: make([]json.RawMessage, len(told))}
	for i, t := range told {
		page.Items[i] = t.Body
	}
	if len(told) > 0 {
		after = told[len(told)-1].Position
	}
	if !after.IsZero() {
		page.NextCursor = after.String()
	}
	return page
}

// eventsFilter reads after (a cursor given out as next_cursor, or
// nothing: from the start), type (a public type, repeatable), limit and
// wait (whole seconds, 0–30).
func eventsFilter(q url.Values) (publicevents.Filter, time.Duration, error) {
	var f publicevents.Filter
	var err error
	if f.Limit, err = limitOf(q); err != nil {
		return f, 0, err
	}
	if raw := q.Get("after"); raw != "" && raw != "0" {
		if f.After, err = eventstore.ParsePosition(raw); err != nil {
			return f, 0, invalid("after", "after must be a next_cursor of this feed, passed as it is")
		}
	}
	for _, typ := range q["type"] {
		if !publicevents.Known(typ) {
			return f, 0, invalid("type", "type must be a public event type, such as user.deactivated.v1")
		}
		f.Types = append(f.Types, typ)
	}
	var wait time.Duration
	if raw := q.Get("wait"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || strconv.Itoa(n) != raw || n < 0 || n > int(maxEventsWait/time.Second) {
			return f, 0, invalid("wait", "wait must be a whole number of seconds from 0 to 30")
		}
		wait = time.Duration(n) * time.Second
	}
	return f, wait, nil
}

// retention is how far back the pull feed reaches.
func (a *API) retention() time.Duration {
	if a.EventsRetention <= 0 {
		return DefaultEventsRetention
	}
	return a.EventsRetention
}

// ownerOrAdmin: the tenant's owners and admins, and the operator, read
// the public events (they name every change of every user).
func ownerOrAdmin(p access.Principal, _ *http.Request) bool {
	return p.Operator || p.Role == domain.RoleOwner || p.Role == domain.RoleAdmin
}
