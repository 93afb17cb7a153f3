package readapi

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Principal is who a request acts as: the operator, or a user of a tenant.
type Principal struct {
	Operator bool
	Tenant   string
	User     string
	Role     string
}

// Authenticator resolves a request's bearer token to a principal; ok is
// false for a missing, malformed, expired or revoked token.
type Authenticator interface {
	Authenticate(r *http.Request) (p Principal, ok bool)
}

// OperatorOnly authenticates the operator token and nothing else; session
// tokens of tenant users come with the sessions of the write API.
type OperatorOnly struct{ Token string }

// Authenticate implements Authenticator.
func (o OperatorOnly) Authenticate(r *http.Request) (Principal, bool) {
	got, ok := bearerToken(r)
	pass := ok && isOperatorToken(o.Token, got)
	return Principal{Operator: pass}, pass
}

type principalKey struct{}

// authenticated refuses requests without a valid token (401) and those of
// another tenant's principal, which get 404 not_found: another tenant's
// resources do not exist for them.
func authenticated(auth Authenticator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := auth.Authenticate(r)
			if !ok {
				WriteProblem(w, http.StatusUnauthorized, "unauthenticated", "a valid bearer token is required")
				return
			}
			if tenant := chi.URLParam(r, "tenant"); tenant != "" && !p.Operator && p.Tenant != tenant {
				WriteProblem(w, http.StatusNotFound, "not_found", "no such tenant")
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}
