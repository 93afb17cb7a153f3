package writeapi

import (
	"context"
	"net/http"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/execution"
)

// CommandMiddleware admits the requests of the routes that run one
// command (and of introspection, which finishes the check the same way in
// the read it makes: sessions.Service.IntrospectChecking), in the order and with the answers of access.ValidPath,
// access.Middleware and access.KnownTenant, whose checks it calls (each
// returns to it: the request goes one way, from here to the handler). The
// token is resolved by sessions.Service.AuthenticateCommand, which may leave
// the session's check to the command itself (a session this process read
// before, checked as the command stores its events). That check is the
// write API's to carry: it travels with the request to run, which hands it
// to the command in its envelope — and, when the command stored nothing and
// so checked nothing, verifies the session before answering.
func (a *API) CommandMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusal := access.CheckPath(r); refusal != nil {
			access.Refuse(w, refusal)
			return
		}
		token, _ := access.BearerToken(r)
		p, check, ok, err := a.Sessions.AuthenticateCommand(r.Context(), token)
		if err == nil {
			p, err = access.Admit(r, p, ok)
		}
		if err == nil {
			err = access.CheckTenant(r, p, a.Queries)
		}
		if err != nil {
			access.Answer(a.Log, w, r, err)
			return
		}
		ctx := access.With(r.Context(), p)
		if check != nil {
			ctx = context.WithValue(ctx, deferredKey{}, check)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type deferredKey struct{}

// deferredCheck is the session check CommandMiddleware left to r's command;
// nil when the session was checked in full already.
func deferredCheck(r *http.Request) *execution.SessionCheck {
	c, _ := r.Context().Value(deferredKey{}).(*execution.SessionCheck)
	return c
}
