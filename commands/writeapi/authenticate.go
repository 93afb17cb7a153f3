package writeapi

import (
	"context"
	"net/http"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/execution"
)

// CommandMiddleware is access.Middleware for the routes that run one
// command: the token is resolved by sessions.Service.AuthenticateCommand,
// which may leave the session's check to the command itself (a session this
// process read before, checked as the command stores its events). That
// check is the write API's to carry: it travels with the request to run,
// which hands it to the command in its envelope — and, when the command
// stored nothing and so checked nothing, verifies the session before
// answering. internal answers the authenticator's errors.
func (a *API) CommandMiddleware(internal func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var check *execution.SessionCheck
			authenticate := func(ctx context.Context, token string) (access.Principal, bool, error) {
				p, c, ok, err := a.Sessions.AuthenticateCommand(ctx, token)
				check = c
				return p, ok, err
			}
			p, ok := access.Resolve(w, r, authenticate, internal)
			if !ok {
				return
			}
			ctx := access.With(r.Context(), p)
			if check != nil {
				ctx = context.WithValue(ctx, deferredKey{}, check)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

type deferredKey struct{}

// deferredCheck is the session check CommandMiddleware left to r's command;
// nil when the session was checked in full already.
func deferredCheck(r *http.Request) *execution.SessionCheck {
	c, _ := r.Context().Value(deferredKey{}).(*execution.SessionCheck)
	return c
}
