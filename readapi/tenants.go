package readapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
)

// getTenant answers GET /v1/tenants/{tenant}: settings and seats.
func (a *API) getTenant(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, []string{tenants.Table, users.Table}, func() (any, error) {
		id := domain.TenantID(chi.URLParam(r, "tenant"))
		t, found, err := tenants.Get(r.Context(), a.DB, id)
		if err != nil || !found {
			return nil, orNotFound(err)
		}
		used, err := users.SeatsUsed(r.Context(), a.DB, id)
		if err != nil {
			return nil, err
		}
		return documents.NewTenant(domain.TenantView{ID: t.ID, Name: t.Name, Preset: t.Preset, Policy: t.Policy,
			SeatsPurchased: t.SeatsPurchased, SeatsUsed: used, Version: t.Version}), nil
	})
}

func orNotFound(err error) error {
	if err != nil {
		return err
	}
	return errNotFound
}
