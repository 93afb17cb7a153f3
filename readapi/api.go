package readapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/users"
)

// API serves the read endpoints of API.md from the read models.
type API struct {
	DB     users.Querier // the read database (a pool)
	Waiter Waiter
	Log    *slog.Logger
	// History answers reads of a user as_of a past instant (nil: they fail).
	History UserHistory
	// Failures tells whether a tenant's read models stopped on an event
	// (nil: never).
	Failures Failures
	// Outage classifies a read's failure: it returns the error wrapped in
	// eventstore.ErrUnavailable when it says the database could not be
	// reached, else as it is (nil: errors stay as they are). The read models'
	// queries return their driver's errors, and readapi may not know the
	// driver (it imports no infra): infra/wiring gives infra/pgoutage.Read.
	Outage func(error) error
	// Clock is the instant ?inactive_days counts back from (nil: time.Now);
	// the same as automatic deactivation's.
	Clock func() time.Time
	// EventsRetention is how far back the pull feed reaches (0: 90 days).
	EventsRetention time.Duration
}

// route is one read endpoint: its pattern, who may call it (and the
// refusal's reason otherwise), the query parameters it takes, and its
// handler.
type route struct {
	pattern string
	who     func(p access.Principal, r *http.Request) bool
	why     string
	query   []parameter
	serve   func(a *API, w http.ResponseWriter, r *http.Request)
}

// routes are the read endpoints of API.md.
func routes() []route {
	const t = "/v1/tenants/{tenant}"
	page := []parameter{limitParam, cursorParam, minPositionParam}
	events := []parameter{afterParam, typeParam, limitParam, waitParam, minPositionParam}
	return []route{
		{t, anyone, "", []parameter{minPositionParam}, (*API).getTenant},
		{t + "/users", staff, "customers may read only their own user",
			append([]parameter{statusParam, roleParam, userKindParam, teamParam, searchParam, assignableParam, inactiveDaysParam, countsParam}, page...),
			(*API).listUsers},
		{t + "/users/{user}", staffOrSelf, "customers may read only their own user", []parameter{asOfParam, minPositionParam}, (*API).getUser},
		{t + "/users/{user}/history", managerOrSelf, "only managers of users read others' history", page, (*API).userHistory},
		{t + "/teams", staff, "customers may not list teams", []parameter{minPositionParam}, (*API).listTeams},
		{t + "/work", staff, "customers may not list work", append([]parameter{assigneeParam, workKindParam}, page...), (*API).listWork},
		{t + "/audit", manager, "only managers of users read the audit trail",
			append([]parameter{actorParam, targetParam, actionParam, fromParam, toParam, formatParam}, page...), (*API).listAudit},
		{t + "/events", ownerOrAdmin, "only owners and admins read the public events", events, (*API).listEvents},
		{"/v1/events", operator, "only the operator reads every tenant's public events", events, (*API).listEvents},
	}
}

// Mount adds the read routes; access.ValidPath and access.Middleware must
// run before them (they check path ids, authenticate, and keep each
// tenant's paths to its own principals). Each route checks its query
// parameters (checkQuery), then its caller's role, then reads.
func (a *API) Mount(r chi.Router) {
	for _, rt := range routes() {
		serve := rt.serve
		r.With(checkQuery(rt.query)).Get(rt.pattern, allow(rt.who, rt.why, func(w http.ResponseWriter, r *http.Request) { serve(a, w, r) }))
	}
}

// QueryParameters maps each read operation, written "GET /path" with the
// chi pattern's path, to the names of the query parameters it takes and
// checks; the OpenAPI document is tested against it.
func QueryParameters() map[string][]string {
	ops := map[string][]string{"GET /v1/projections": {}} // MountProjections' listing takes none
	for _, rt := range routes() {
		names := make([]string, len(rt.query))
		for i, p := range rt.query {
			names[i] = p.name
		}
		ops["GET "+rt.pattern] = names
	}
	return ops
}

// read runs a handler's read once min_position (if any) is reached by the
// read models it reads, unless one of them stopped for the path's tenant.
func (a *API) read(w http.ResponseWriter, r *http.Request, readModels []string, serve func() (any, error)) {
	if err := a.ready(r, readModels...); err != nil {
		a.answerError(w, r, err)
		return
	}
	body, err := serve()
	if err != nil {
		a.answerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// ready returns once readModels have reached min_position (if any), with
// ErrLagging when they did not in time, and with projection_failed when
// one of them stopped on an event of the path's tenant: its rows of that
// tenant are stale, and answering from them would be answering wrong.
func (a *API) ready(r *http.Request, readModels ...string) error {
	if err := awaitPosition(r, a.Waiter, readModels...); err != nil {
		return err
	}
	if a.Failures == nil {
		return nil
	}
	// After a min_position wait the answer must be as fresh as what the
	// wait saw: a failure is recorded with the checkpoint that passes it.
	exact := r.URL.Query().Get("min_position") != ""
	f, failed, err := a.Failures.FailureOf(r.Context(), domain.TenantID(chi.URLParam(r, "tenant")), exact, readModels...)
	if err != nil || !failed {
		return err
	}
	return projectionFailed(f)
}

// now is the API's clock.
func (a *API) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock()
}
