package readapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
)

// Who may read what, within a tenant whose paths access.Middleware already
// keeps to its own principals (and the operator):
//   - the tenant's settings and seats: anyone of the tenant;
//   - users, teams and work: staff (customers are portal users, who see only
//     themselves);
//   - the audit trail and a user's history: the operator and the roles the
//     tenant's policy lets manage users, and a user their own history.

// allow wraps a handler with a check on the request's principal.
func allow(check func(p access.Principal, r *http.Request) bool, why string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p, ok := access.From(r.Context()); !ok || !check(p, r) {
			access.Refuse(w, domain.NewError(domain.CodeForbidden, "%s", why))
			return
		}
		next(w, r)
	}
}

func anyone(access.Principal, *http.Request) bool { return true }

func staff(p access.Principal, _ *http.Request) bool { return p.Staff() }

func staffOrSelf(p access.Principal, r *http.Request) bool {
	return p.Staff() || string(p.User) == chi.URLParam(r, "user")
}

func manager(p access.Principal, _ *http.Request) bool { return p.Operator || p.ManagesUsers }

func managerOrSelf(p access.Principal, r *http.Request) bool {
	return manager(p, r) || string(p.User) == chi.URLParam(r, "user")
}

func operator(p access.Principal, _ *http.Request) bool { return p.Operator }
