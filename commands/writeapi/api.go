package writeapi

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
)

// API serves the write endpoints.
type API struct {
	Commands *commands.Handlers
	// Queries read the write model the replies render (profiles, instants).
	Queries  *execution.Queries
	Sessions *sessions.Service
	// ConnectionUse, when set, tells when each SCIM connection was last used.
	ConnectionUse ConnectionUse
	Log           *slog.Logger
	// Clients tells the client address of a login or of a confirmation of
	// one's current password, which failures are limited by; the zero
	// value takes the connection's peer.
	Clients access.ClientAddresses
}

// MountPublic adds the routes that need no token: login
// (access.ValidPath must run before them: handlers trust path ids).
func (a *API) MountPublic(r chi.Router) {
	r.Post("/v1/tenants/{tenant}/sessions", a.login)
}

// MountSessions adds the routes about sessions themselves: logout
// (access.Middleware must run before them).
func (a *API) MountSessions(r chi.Router) {
	r.Delete("/v1/sessions/current", a.logout)
}

// MountIntrospection adds token introspection, which finishes a session
// check CommandMiddleware left to it in the read it makes anyway
// (CommandMiddleware must run before it).
func (a *API) MountIntrospection(r chi.Router) {
	r.Post("/v1/introspect", a.introspect)
}

// MountCommands adds the routes that each run one command
// (access.ValidPath, then CommandMiddleware or access.Middleware, must run
// before them).
func (a *API) MountCommands(r chi.Router) {
	r.Post("/v1/tenants", a.createTenant)
	// Full paths, no sub-routers: the read API shares the /v1/tenants/{tenant}
	// prefix, and a mounted sub-router would take its routes over.
	const t, u = "/v1/tenants/{tenant}", "/v1/tenants/{tenant}/users/{user}"
	r.Patch(t+"/policy", a.changePolicy)
	r.Put(t+"/seats", a.changeSeats)
	r.Post(t+"/purchases", a.purchase)
	r.Post(t+"/users", a.inviteUser)
	r.Post(u+"/activate", a.activateUser)
	r.Post(u+"/deactivate", a.deactivateUser)
	r.Post(u+"/reactivate", a.reactivateUser)
	r.Post(u+"/block", a.blockUser)
	r.Post(u+"/unblock", a.unblockUser)
	r.Post(u+"/revoke-sessions", a.revokeSessions)
	r.Put(u+"/role", a.changeRole)
	r.Put(u+"/password", a.setPassword)
	r.Delete(u, a.deleteUser)
	r.Put(t+"/teams/{team}", a.defineTeam)
	r.Put(t+"/teams/{team}/members/{user}", a.joinTeam)
	r.Delete(t+"/teams/{team}/members/{user}", a.leaveTeam)
	r.Put(t+"/teams/{team}/leader", a.assignTeamLeader)
	r.Put(t+"/work/{item}", a.assignWork)
	r.Post(t+"/ownership-transfers", a.transferOwnership)
	r.Post(t+"/bulk", a.bulk)
	r.Post(t+"/scim-connections", a.createScimConnection)
	r.Get(t+"/scim-connections", a.listScimConnections)
	r.Delete(t+"/scim-connections/{connection}", a.revokeScimConnection)
}

// principal is the request's principal; Middleware guarantees one.
func principal(r *http.Request) access.Principal {
	p, _ := access.From(r.Context())
	return p
}

func tenantOf(r *http.Request) domain.TenantID { return domain.TenantID(chi.URLParam(r, "tenant")) }
func userOf(r *http.Request) domain.UserID     { return domain.UserID(chi.URLParam(r, "user")) }

// renderer turns a command's result into the reply: the resource, with
// "changed" and "position" (outcome).
type renderer func(ctx context.Context, tenant domain.TenantID, res execution.Result) (any, error)

// request is what a body-carrying endpoint makes of its request: the input
// of its handler, the reason to record, and whether the input carries the
// request's If-Match (versioned): a request that sends If-Match to an
// endpoint whose resource has no version is refused, never ignored.
type request[In any] struct {
	in        In
	reason    string
	versioned bool
}

// command decodes the body as Body, builds the handler's input from it and
// the principal, and runs it; any failure before the run is answered as is.
func command[Body, In any](a *API, w http.ResponseWriter, r *http.Request, h handler[In], render renderer, created bool,
	build func(p access.Principal, r *http.Request, body Body) (request[In], error)) {
	body, err := DecodeBody[Body](w, r)
	var req request[In]
	if err == nil {
		req, err = build(principal(r), r, body)
	}
	if err == nil && !req.versioned {
		err = noIfMatch(r)
	}
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	run(a, w, r, h, envelope(r, tenantOf(r), req.reason), req.in, render, created)
}

// handler carries out a use case whose input is In: commands.Handler, or
// commands.BulkHandler.
type handler[In any] interface {
	Handle(ctx context.Context, env execution.Envelope, in In) (execution.Result, error)
}

// run carries out a command and answers with its rendered resource plus
// "changed" and "position"; created is the status of a changed creation.
func run[In any](a *API, w http.ResponseWriter, r *http.Request, h handler[In], env execution.Envelope, in In, render renderer, created bool) {
	p := principal(r)
	dry, err := dryRunOf(r)
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	env.Session, env.DryRun = deferredCheck(r), env.DryRun || dry
	res, err := h.Handle(r.Context(), env, in)
	if env.Session != nil && !res.SessionChecked && !errors.Is(err, execution.ErrSessionEnded) && access.Outage(err) == nil {
		// The command stored nothing (a refusal, a no-op, a replay), so
		// nothing checked the session: check it as any other route does.
		// (Not after an outage, whose answer stands whatever the session:
		// an unknown outcome must never be answered as "unavailable".)
		if ok, verr := a.Sessions.Verify(r.Context(), p); verr != nil || !ok {
			answerError(a.Log, w, r, cmp.Or(verr, execution.ErrSessionEnded))
			return
		}
	}
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	body, err := render(r.Context(), env.Tenant, res)
	if err != nil {
		if res.Changed { // stored: a store out of reach now must not read as "nothing was stored"
			err = eventstore.AfterAppend(err)
		}
		answerError(a.Log, w, r, eventstore.OutageError(err, env.IdempotencyKey != ""))
		return
	}
	status := http.StatusOK
	if created && res.Changed {
		status = http.StatusCreated
	}
	writeJSON(w, status, body)
}
