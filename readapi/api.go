package readapi

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

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
	// driver (it imports no infra): cmd/roster gives infra/pgoutage.Read.
	Outage func(error) error
}

// Mount adds the read routes; access.Middleware must run before them (it
// authenticates, and keeps each tenant's paths to its own principals).
func (a *API) Mount(r chi.Router) {
	const t = "/v1/tenants/{tenant}"
	r.Get(t, allow(anyone, "", a.getTenant))
	r.Get(t+"/users", allow(staff, "customers may read only their own user", a.listUsers))
	r.Get(t+"/users/{user}", allow(staffOrSelf, "customers may read only their own user", a.getUser))
	r.Get(t+"/users/{user}/history", allow(managerOrSelf, "only managers of users read others' history", a.userHistory))
	r.Get(t+"/teams", allow(staff, "customers may not list teams", a.listTeams))
	r.Get(t+"/work", allow(staff, "customers may not list work", a.listWork))
	r.Get(t+"/audit", allow(manager, "only managers of users read the audit trail", a.listAudit))
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
// ErrLagging when they did not in time, and with a *ProjectionFailed when
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
	return &ProjectionFailed{Failure: f}
}
