package access

import (
	"context"
	"errors"
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
			token, _ := BearerToken(r)
			p, ok, err := auth.Authenticate(r.Context(), token)
			if err == nil {
				p, err = Admit(r, p, ok)
			}
			passOrAnswer(w, r.WithContext(With(r.Context(), p)), err, internal, next)
		})
	}
}

// Admit is Middleware's check of one request whose token resolved to p
// (ok: to anyone at all), for middleware of its own (the write API's,
// whose authentication may leave part of the check to the command): p, or
// the refusal, 401 unauthenticated without a principal, or 404 for a
// session on another tenant's paths.
func Admit(r *http.Request, p Principal, ok bool) (Principal, error) {
	if !ok {
		return Principal{}, domain.NewError(domain.CodeUnauthenticated, "a valid bearer token is required")
	}
	if tenant := chi.URLParam(r, "tenant"); tenant != "" && !p.Operator && string(p.Tenant) != tenant {
		return Principal{}, domain.NewError(domain.CodeNotFound, "no such tenant")
	}
	return p, nil
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
			p, _ := From(r.Context())
			passOrAnswer(w, r, CheckTenant(r, p, tenants), internal, next)
		})
	}
}

// CheckTenant is KnownTenant's check of one request by p, for middleware
// of its own: the refusal 404 not_found when p is the operator and r is on
// the paths of a tenant that does not exist; tenants' error; else nil.
func CheckTenant(r *http.Request, p Principal, tenants Tenants) error {
	tenant := chi.URLParam(r, "tenant")
	if tenant == "" || !p.Operator {
		return nil
	}
	exists, err := tenants.TenantExists(r.Context(), domain.TenantID(tenant))
	switch {
	case err != nil:
		return err
	case !exists:
		return domain.NewError(domain.CodeNotFound, "no such tenant")
	}
	return nil
}

// passOrAnswer hands r on to next when a check let it pass (err nil), and
// otherwise answers it: a refusal by its problem document, any other error
// by internal.
func passOrAnswer(w http.ResponseWriter, r *http.Request, err error, internal func(http.ResponseWriter, *http.Request, error), next http.Handler) {
	var refusal *domain.Error
	switch {
	case errors.As(err, &refusal):
		Refuse(w, refusal)
	case err != nil:
		internal(w, r, err)
	default:
		next.ServeHTTP(w, r)
	}
}
