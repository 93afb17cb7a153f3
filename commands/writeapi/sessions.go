package writeapi

import (
	"net/http"
	"time"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login answers POST /v1/tenants/{tenant}/sessions.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	body, err := DecodeBody[loginBody](w, r)
	if err == nil {
		err = noDryRun(r)
	}
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	tenant := tenantOf(r) // well formed: access.ValidPath checked it
	got, err := a.Sessions.Login(r.Context(), tenant, body.Email, body.Password, a.Clients.Of(r))
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	user, err := a.userDoc(r.Context(), tenant, got.Member.User, execution.Result{})
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"token": got.Token, "user": user,
		"expires_at": got.ExpiresAt.UTC().Format(time.RFC3339)})
}

// logout answers DELETE /v1/sessions/current.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	err := noDryRun(r)
	if err == nil {
		err = a.Sessions.Logout(r.Context(), principal(r))
	}
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type introspectBody struct {
	Token string `json:"token"`
}

// introspect answers POST /v1/introspect in RFC 7662's shape.
func (a *API) introspect(w http.ResponseWriter, r *http.Request) {
	body, err := DecodeBody[introspectBody](w, r)
	if err == nil && body.Token == "" {
		err = domain.InvalidField("token", "token is required")
	}
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	got, err := a.Sessions.IntrospectChecking(r.Context(), principal(r), deferredCheck(r), body.Token)
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, got)
}

// noDryRun refuses ?dry_run on the session endpoints: a login or logout
// cannot be previewed, and must never be carried out when one was asked for.
func noDryRun(r *http.Request) error {
	if r.URL.Query().Has("dry_run") {
		return domain.InvalidField("dry_run", "a login or logout cannot be previewed: send it without dry_run")
	}
	return nil
}
