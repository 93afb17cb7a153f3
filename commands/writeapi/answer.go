package writeapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
)

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// answerError answers err by its problem document (access.Answer), once
// the write side's own errors are put in its vocabulary: a session found
// ended by the command itself (sessions.Service.AuthenticateCommand) is
// 401 unauthenticated, as any other route answers it, and a refused login
// attempt says when to retry.
func answerError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var limited *sessions.RateLimited
	switch {
	case errors.Is(err, execution.ErrSessionEnded):
		err = domain.NewError(domain.CodeUnauthenticated, "a valid bearer token is required")
	case errors.As(err, &limited):
		err = access.Extend(err, access.Extra{RetryAfter: limited.RetryAfter})
	}
	access.Answer(log, w, r, err)
}

// Internal is access.Answer on log, for the middleware that answers the
// failures of authentication (access.Middleware, access.KnownTenant).
func Internal(log *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) { access.Answer(log, w, r, err) }
}
