package access

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/domain"
)

// Principal is who a request acts as: the operator, or a user of one tenant
// with their current role, kind and whether the tenant's policy lets that
// role manage users.
type Principal struct {
	Operator     bool
	Tenant       domain.TenantID
	User         domain.UserID
	Role         domain.Role
	Kind         domain.Kind
	ManagesUsers bool
	// Session is the digest of the session token ("" for the operator), for
	// logging out the calling session; IssuedAt is when it was issued.
	Session  string
	IssuedAt time.Time
}

// Actor is the principal as the issuer of a domain command.
func (p Principal) Actor() domain.Actor {
	if p.Operator {
		return domain.OperatorActor()
	}
	return domain.UserActor(p.User)
}

// Staff reports whether the principal is the operator or a user of kind
// member: customers see only themselves.
func (p Principal) Staff() bool { return p.Operator || p.Kind == domain.KindMember }

// Authenticator resolves a bearer token. ok is false for a missing,
// malformed, expired, logged-out or revoked token, and for the token of a
// user who may no longer log in.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (p Principal, ok bool, err error)
}

// BearerToken is the request's bearer token, if it has one.
func BearerToken(r *http.Request) (string, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token, ok && token != ""
}

type principalKey struct{}

// From returns the principal Middleware stored in ctx; ok is false outside it.
func From(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// Middleware refuses requests without a valid token (401 unauthenticated),
// and answers 404 not_found to a session used on another tenant's paths:
// another tenant's resources do not exist for it. Others go on with their
// principal in the context. An error of the authenticator is a 500.
func Middleware(auth Authenticator, internal func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, ok := Resolve(w, r, auth.Authenticate, internal); ok {
				next.ServeHTTP(w, r.WithContext(With(r.Context(), p)))
			}
		})
	}
}

// Resolve is Middleware's work on one request, for middleware of its own
// (the write API's, whose authentication may leave part of the check to the
// command): it resolves r's bearer token with authenticate and returns the
// principal, or answers r — 401, 404 on another tenant's paths, internal
// for an error — and returns false.
func Resolve(w http.ResponseWriter, r *http.Request, authenticate func(context.Context, string) (Principal, bool, error),
	internal func(http.ResponseWriter, *http.Request, error)) (Principal, bool) {
	token, _ := BearerToken(r)
	p, ok, err := authenticate(r.Context(), token)
	switch {
	case err != nil:
		internal(w, r, err)
		return Principal{}, false
	case !ok:
		Refuse(w, domain.NewError(domain.CodeUnauthenticated, "a valid bearer token is required"))
		return Principal{}, false
	}
	if tenant := chi.URLParam(r, "tenant"); tenant != "" && !p.Operator && string(p.Tenant) != tenant {
		Refuse(w, domain.NewError(domain.CodeNotFound, "no such tenant"))
		return Principal{}, false
	}
	return p, true
}

// Tenants says whether a tenant exists.
type Tenants interface {
	TenantExists(ctx context.Context, tenant domain.TenantID) (bool, error)
}

// KnownTenant answers 404 not_found to a request on the paths of a tenant
// that does not exist, before any handler: a read finds nothing to list, a
// write nothing to change. Only the operator gets this far (Middleware, which
// must run before it, keeps a session to its own tenant's paths, and a
// session's tenant exists), so the operator is told what a session of
// another tenant is told. An error of tenants is passed to internal.
func KnownTenant(tenants Tenants, internal func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenant := chi.URLParam(r, "tenant")
			if p, _ := From(r.Context()); tenant == "" || !p.Operator {
				next.ServeHTTP(w, r)
				return
			}
			exists, err := tenants.TenantExists(r.Context(), domain.TenantID(tenant))
			switch {
			case err != nil:
				internal(w, r, err)
			case !exists:
				Refuse(w, domain.NewError(domain.CodeNotFound, "no such tenant"))
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}
