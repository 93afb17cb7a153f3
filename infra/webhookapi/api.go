// Package webhookapi serves the management of a tenant's webhook endpoints
// (API.md, "Lifecycle events out"): create, list, change, delete, rotate
// the secret, read the delivery log, replay. It is a thin HTTP adapter over
// infra/webhooks' Store, which keeps the endpoints and delivers; the
// tenant's owners and admins and the operator may call it. Bodies are read
// by the write API's rules (writeapi.DecodeBody) and every error is
// answered by the one problem mapper (access.Answer).
package webhookapi

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/webhooks"
)

// API serves the webhook routes of one Store.
type API struct {
	Store *webhooks.Store
	Log   *slog.Logger
}

// Mount adds the routes; access.ValidPath, access.Middleware and
// access.KnownTenant must run before them (path ids checked, the caller
// authenticated and kept to their tenant's paths).
func (a *API) Mount(r chi.Router) {
	const base = "/v1/tenants/{tenant}/webhooks"
	r.Post(base, a.allowed(a.create))
	r.Get(base, a.allowed(a.list))
	r.Patch(base+"/{webhook}", a.allowed(a.update))
	r.Delete(base+"/{webhook}", a.allowed(a.remove))
	r.Post(base+"/{webhook}/rotate-secret", a.allowed(a.rotate))
	r.Get(base+"/{webhook}/deliveries", a.allowed(a.deliveries))
	r.Post(base+"/{webhook}/replay", a.allowed(a.replay))
}

// allowed lets the tenant's owners and admins, and the operator, through:
// an endpoint receives every change of every user of the tenant.
func (a *API) allowed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := access.From(r.Context())
		if !ok || !(p.Operator || p.Role == domain.RoleOwner || p.Role == domain.RoleAdmin) {
			access.Refuse(w, domain.NewError(domain.CodeForbidden, "only owners and admins manage webhooks"))
			return
		}
		next(w, r)
	}
}

// fail answers err by its problem document.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	access.Answer(a.Log, w, r, err)
}

func tenantOf(r *http.Request) domain.TenantID { return domain.TenantID(chi.URLParam(r, "tenant")) }

func webhookOf(r *http.Request) string { return chi.URLParam(r, "webhook") }
