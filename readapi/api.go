package readapi

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/projections/users"
)

// API serves the read endpoints of API.md from the read models.
type API struct {
	DB     users.Querier // the read database (a pool)
	Auth   Authenticator
	Waiter Waiter
	Log    *slog.Logger
}

// Mount adds the read routes under /v1/tenants/{tenant}.
func (a *API) Mount(r chi.Router) {
	r.Route("/v1/tenants/{tenant}", func(r chi.Router) {
		r.Use(authenticated(a.Auth))
		r.Get("/", a.getTenant)
		r.Get("/users", a.listUsers)
		r.Get("/users/{user}", a.getUser)
		r.Get("/teams", a.listTeams)
		r.Get("/work", a.listWork)
		r.Get("/audit", a.listAudit)
	})
}

// read runs a handler's read once min_position (if any) is reached by the
// read models it reads.
func (a *API) read(w http.ResponseWriter, r *http.Request, readModels []string, serve func() (any, error)) {
	if err := awaitPosition(r, a.Waiter, readModels...); err != nil {
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
