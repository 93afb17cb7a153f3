package scim

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/domain"
)

type connectionKey struct{}

// withConnection returns ctx carrying the connection a request
// authenticated as, for the resource handlers the library calls.
func withConnection(ctx context.Context, c Connection) context.Context {
	return context.WithValue(ctx, connectionKey{}, c)
}

// connectionOf returns the connection r authenticated as. The handler
// authenticates every request before the library sees it, so a resource
// handler always finds one; the zero Connection otherwise.
func connectionOf(r *http.Request) Connection {
	c, _ := r.Context().Value(connectionKey{}).(Connection)
	return c
}

// authenticate resolves r's bearer token on the tenant of its path. It
// answers 401 itself for a missing or unknown token, and 500 when the
// Authenticator fails; ok is false then.
func (h *handler) authenticate(w http.ResponseWriter, r *http.Request) (c Connection, ok bool) {
	token, found := bearerToken(r)
	if !found {
		unauthorized(w)
		return Connection{}, false
	}
	tenant := domain.TenantID(chi.URLParam(r, "tenant"))
	c, ok, err := h.auth.AuthenticateSCIM(r.Context(), tenant, token)
	if err != nil {
		writeError(w, failure(h.log, r, err))
		return Connection{}, false
	}
	if !ok {
		unauthorized(w)
		return Connection{}, false
	}
	return c, true
}

// bearerToken returns the token of r's "Authorization: Bearer <token>"
// header; the scheme is case-insensitive (RFC 7235 §2.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
	writeError(w, scimError(http.StatusUnauthorized, "", "a valid SCIM connection token is required: Authorization: Bearer <token>"))
}
