package writeapi

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// The SCIM connections of a tenant live in its write model only (no read
// model holds their token digests), so the write API lists them too.

type scimConnectionBody struct {
	Name       string                 `json:"name"`
	GroupRoles map[string]domain.Role `json:"group_roles"`
}

// scimConnectionCreated is the reply of a creation: the token, shown once.
type scimConnectionCreated struct {
	ID         domain.ConnectionID    `json:"id"`
	Name       string                 `json:"name"`
	Token      string                 `json:"token"`
	GroupRoles map[string]domain.Role `json:"group_roles"`
	CreatedAt  time.Time              `json:"created_at"`
	outcome
}

// scimConnectionRevoked is the reply of a revocation.
type scimConnectionRevoked struct {
	ID      domain.ConnectionID `json:"id"`
	Revoked bool                `json:"revoked"`
	outcome
}

// scimConnection is one connection as listed: never its token.
type scimConnection struct {
	ID         domain.ConnectionID    `json:"id"`
	Name       string                 `json:"name"`
	GroupRoles map[string]domain.Role `json:"group_roles"`
	CreatedAt  time.Time              `json:"created_at"`
	LastUsedAt *time.Time             `json:"last_used_at"`
	Revoked    bool                   `json:"revoked"`
}

// createScimConnection answers POST /v1/tenants/{tenant}/scim-connections
// (owners; the domain decides). A keyed retry of a creation is answered
// 409: the first request's reply held the token, which is never shown
// again (revoke that connection and create another if it was lost).
func (a *API) createScimConnection(w http.ResponseWriter, r *http.Request) {
	in := commands.CreateScimConnection{Connection: newConnectionID(), Token: commands.NewScimToken()}
	render := func(_ context.Context, _ domain.TenantID, res execution.Result) (any, error) {
		if res.Replayed {
			return nil, domain.NewError(domain.CodeInvalidTransition, "this Idempotency-Key created a connection before, "+
				"whose token was shown then and is never shown again: revoke it and create another if the token was lost")
		}
		token := in.Token
		if res.DryRun {
			token = "" // a preview makes no token anyone could use
		}
		return scimConnectionCreated{ID: in.Connection, Name: in.Name, Token: token, GroupRoles: nonNil(in.GroupRoles),
			CreatedAt: res.At, outcome: outcomeOf(res)}, nil
	}
	command(a, w, r, a.Commands.CreateScimConnection, render, true, func(p access.Principal, _ *http.Request, b scimConnectionBody) (request[commands.CreateScimConnection], error) {
		in.Actor, in.Name, in.GroupRoles = p.Actor(), b.Name, b.GroupRoles
		return request[commands.CreateScimConnection]{in: in}, nil
	})
}

// listScimConnections answers GET /v1/tenants/{tenant}/scim-connections:
// owners and the operator.
func (a *API) listScimConnections(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if deferredCheck(r) != nil { // no command will check the session: check it here
		if ok, err := a.Sessions.Verify(r.Context(), p); err != nil || !ok {
			answerError(a.Log, w, r, cmp.Or(err, execution.ErrSessionEnded))
			return
		}
	}
	if !p.Operator && p.Role != domain.RoleOwner {
		answerError(a.Log, w, r, domain.NewError(domain.CodeForbidden, "only an owner may see the SCIM connections"))
		return
	}
	tenant := tenantOf(r)
	views, err := a.Queries.Connections(r.Context(), tenant)
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	items := make([]scimConnection, 0, len(views))
	for _, v := range views {
		at, err := a.Queries.InstantAt(r.Context(), tenant, v.CreatedAt)
		if err != nil {
			answerError(a.Log, w, r, err)
			return
		}
		used, err := a.lastUsed(r.Context(), tenant, v.ID)
		if err != nil {
			answerError(a.Log, w, r, err)
			return
		}
		items = append(items, scimConnection{ID: v.ID, Name: v.Name, GroupRoles: nonNil(v.GroupRoles), CreatedAt: at,
			LastUsedAt: used, Revoked: v.Revoked})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// lastUsed is when the connection last authenticated, if this API was
// given a way to know (nil otherwise, as for one never used).
func (a *API) lastUsed(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID) (*time.Time, error) {
	if a.ConnectionUse == nil {
		return nil, nil
	}
	at, ok, err := a.ConnectionUse.LastUsed(ctx, tenant, id)
	if !ok || err != nil {
		return nil, err
	}
	return &at, nil
}

// ConnectionUse tells when a SCIM connection last authenticated.
type ConnectionUse interface {
	LastUsed(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID) (time.Time, bool, error)
}

// revokeScimConnection answers DELETE
// /v1/tenants/{tenant}/scim-connections/{connection}; revoking a revoked
// connection answers "changed": false.
func (a *API) revokeScimConnection(w http.ResponseWriter, r *http.Request) {
	id := domain.ConnectionID(chi.URLParam(r, "connection"))
	render := func(_ context.Context, _ domain.TenantID, res execution.Result) (any, error) {
		return scimConnectionRevoked{ID: id, Revoked: true, outcome: outcomeOf(res)}, nil
	}
	command(a, w, r, a.Commands.RevokeScimConnection, render, false, func(p access.Principal, _ *http.Request, _ struct{}) (request[domain.RevokeScimConnection], error) {
		return request[domain.RevokeScimConnection]{in: domain.RevokeScimConnection{Actor: p.Actor(), Connection: id}}, nil
	})
}

// newConnectionID returns a fresh connection id ("scim-" and 12 hex digits).
func newConnectionID() domain.ConnectionID {
	raw := make([]byte, 6)
	_, _ = rand.Read(raw) // crypto/rand.Read never returns an error
	return domain.ConnectionID("scim-" + hex.EncodeToString(raw))
}

func nonNil[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}
