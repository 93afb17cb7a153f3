package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// The principals of the access table, in its column order.
const (
	noToken = iota
	badToken
	operatorP
	ownerP
	adminP
	managerP
	memberP
	customerP
	otherTenantP
	principals
)

var principalNames = [principals]string{"no token", "bad token", "operator", "owner", "admin", "manager", "member", "customer", "other tenant"}

// accessWorld is tenant acme (strict: owners and admins manage users) with
// one user of each role and kind logged in, and tenant globex with its owner
// logged in; tokens[p] is principal p's bearer token.
type accessWorld struct {
	t      *testing.T
	h      *commands.Handlers
	base   string
	tokens [principals]string
	next   atomic.Int64
	last   string // position of the latest in-process command, for reads
}

// track is mustHandle, remembering the command's position.
func (w *accessWorld) track(res execution.Result, err error) {
	w.t.Helper()
	w.last = mustHandle(w.t, res, err).Position.String()
}

func newAccessWorld(t *testing.T) *accessWorld {
	svc, server := serviceOnFreshDatabase(t)
	w := &accessWorld{t: t, h: svc.Commands, base: server.URL}
	createAcme(t, w.h) // owner "owner", password "owner pass"
	w.track(w.h.ChangeSeats.Handle(bg, execution.Envelope{Tenant: "acme"}, domain.ChangeSeats{Actor: domain.OperatorActor(), Seats: 1000}))
	w.invite("acme", "owner2", domain.RoleOwner, domain.KindMember, true) // the sole-owner rule stays out of the way
	for _, u := range []struct {
		id   domain.UserID
		role domain.Role
		kind domain.Kind
	}{{"admin", domain.RoleAdmin, domain.KindMember}, {"manager", domain.RoleManager, domain.KindMember},
		{"member", domain.RoleMember, domain.KindMember}, {"customer", domain.RoleMember, domain.KindCustomer}} {
		w.invite("acme", u.id, u.role, u.kind, true)
	}
	mustHandleFn(t)(w.h.CreateTenant.Handle(bg, execution.Envelope{Tenant: "globex"}, commands.CreateTenant{Actor: domain.OperatorActor(),
		Tenant: "globex", Name: "Globex", Seats: 5, Owner: commands.NewOwner{ID: "gx", Email: "gx@globex.example", Name: "Gx", Password: passwordOf("gx")}}))
	w.tokens[badToken] = "rst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	w.tokens[operatorP] = "op-token"
	w.tokens[ownerP] = w.login("acme", "owner@acme.example", "owner pass")
	for p, id := range map[int]string{adminP: "admin", managerP: "manager", memberP: "member", customerP: "customer"} {
		w.tokens[p] = w.login("acme", id+"@acme.example", passwordOf(id))
	}
	w.tokens[otherTenantP] = w.login("globex", "gx@globex.example", passwordOf("gx"))
	return w
}

// invite creates a user of tenant (password passwordOf(id)), active if asked.
func (w *accessWorld) invite(tenant domain.TenantID, id domain.UserID, role domain.Role, kind domain.Kind, active bool) {
	w.t.Helper()
	w.track(w.h.InviteUser.Handle(bg, execution.Envelope{Tenant: tenant}, commands.InviteUser{Actor: domain.OperatorActor(),
		User: id, Email: string(id) + "@" + string(tenant) + ".example", Name: "User " + string(id), Password: passwordOf(string(id)),
		Role: role, Kind: kind, Activate: active}))
}

func (w *accessWorld) login(tenant, email, password string) string {
	w.t.Helper()
	r := expect(w.t, "login "+email, call(w.t, w.base, "POST", "/v1/tenants/"+tenant+"/sessions", "", obj{"email": email, "password": password}), http.StatusCreated, "")
	return r.str("token")
}

// target makes a fresh acme member in the given state for one cell.
func (w *accessWorld) target(state domain.Status) domain.UserID {
	id := domain.UserID(fmt.Sprintf("t-%d", w.next.Add(1)))
	w.invite("acme", id, domain.RoleMember, domain.KindMember, state != domain.StatusInvited)
	env, op := execution.Envelope{Tenant: "acme"}, domain.OperatorActor()
	switch state {
	case domain.StatusInactive:
		w.track(w.h.DeactivateUser.Handle(bg, env, domain.DeactivateUser{Actor: op, User: id}))
	case domain.StatusBlocked:
		w.track(w.h.BlockUser.Handle(bg, env, domain.BlockUser{Actor: op, User: id}))
	}
	return id
}

// allowed is one row's expectations for operator, owner, admin, manager,
// member, customer; no token and bad token always get 401, and the other
// tenant's user 404 on acme's paths (global routes say otherwise in other).
type allowed struct {
	op, owner, admin, manager, member, customer int
	other                                       int // 0: 404
}

var (
	managersOnly = allowed{200, 200, 200, 403, 403, 403, 0}
	ownersOnly   = allowed{200, 200, 403, 403, 403, 403, 0}
	staffOnly    = allowed{200, 200, 200, 200, 200, 403, 0}
	everyone     = allowed{200, 200, 200, 200, 200, 200, 0}
	// ownersAndAdmins are the roles, whatever the policy, and the operator.
	ownersAndAdmins = allowed{200, 200, 200, 403, 403, 403, 0}
)

func (a allowed) want(p int) int {
	switch p {
	case noToken, badToken:
		return http.StatusUnauthorized
	case otherTenantP:
		if a.other == 0 {
			return http.StatusNotFound
		}
		return a.other
	}
	return [...]int{a.op, a.owner, a.admin, a.manager, a.member, a.customer}[p-operatorP]
}

// accessRow is one endpoint: cell prepares a fresh request for one cell.
type accessRow struct {
	route  string
	access allowed
	cell   func(w *accessWorld) (method, path string, body any)
}

func userRoute(method, action string, state domain.Status, body any) func(w *accessWorld) (string, string, any) {
	return func(w *accessWorld) (string, string, any) {
		return method, "/v1/tenants/acme/users/" + string(w.target(state)) + action, body
	}
}

func fixed(method, path string, body any) func(w *accessWorld) (string, string, any) {
	return func(*accessWorld) (string, string, any) { return method, path, body }
}

var accessRows = []accessRow{
	{"POST /v1/tenants", allowed{201, 403, 403, 403, 403, 403, 403}, func(w *accessWorld) (string, string, any) {
		id := fmt.Sprintf("new-%d", w.next.Add(1))
		return "POST", "/v1/tenants", obj{"id": id, "name": "New", "seats": 3,
			"owner": obj{"email": "o@" + id + ".example", "name": "O", "password": "owner pass phrase"}}
	}},
	{"GET /v1/tenants/{tenant}", everyone, fixed("GET", "/v1/tenants/acme", nil)},
	{"PATCH /v1/tenants/{tenant}/policy", ownersOnly, fixed("PATCH", "/v1/tenants/acme/policy", obj{"deletion_allowed": true})},
	{"PUT /v1/tenants/{tenant}/seats", ownersOnly, fixed("PUT", "/v1/tenants/acme/seats", obj{"seats": 1000})},
	{"POST /v1/tenants/{tenant}/purchases", allowed{200, 403, 403, 403, 403, 403, 0}, fixed("POST", "/v1/tenants/acme/purchases", obj{"email": "nobody@acme.example"})},
	{"POST /v1/tenants/{tenant}/users", allowed{201, 201, 201, 403, 403, 403, 0}, func(w *accessWorld) (string, string, any) {
		id := fmt.Sprintf("inv-%d", w.next.Add(1))
		return "POST", "/v1/tenants/acme/users", obj{"id": id, "email": id + "@acme.example", "name": "Invitee", "role": "member"}
	}},
	{"GET /v1/tenants/{tenant}/users", staffOnly, fixed("GET", "/v1/tenants/acme/users", nil)},
	{"GET /v1/tenants/{tenant}/users/{user}", staffOnly, userRoute("GET", "", domain.StatusActive, nil)},
	{"GET /v1/tenants/{tenant}/users/{user}/history", managersOnly, userRoute("GET", "/history", domain.StatusActive, nil)},
	{"POST /v1/tenants/{tenant}/users/{user}/activate", managersOnly, userRoute("POST", "/activate", domain.StatusInvited, nil)},
	{"POST /v1/tenants/{tenant}/users/{user}/deactivate", managersOnly, userRoute("POST", "/deactivate", domain.StatusActive, obj{"reason": "r"})},
	{"POST /v1/tenants/{tenant}/users/{user}/reactivate", managersOnly, userRoute("POST", "/reactivate", domain.StatusInactive, nil)},
	{"POST /v1/tenants/{tenant}/users/{user}/block", managersOnly, userRoute("POST", "/block", domain.StatusActive, nil)},
	{"POST /v1/tenants/{tenant}/users/{user}/unblock", managersOnly, userRoute("POST", "/unblock", domain.StatusBlocked, nil)},
	{"POST /v1/tenants/{tenant}/users/{user}/revoke-sessions", managersOnly, userRoute("POST", "/revoke-sessions", domain.StatusActive, nil)},
	{"PUT /v1/tenants/{tenant}/users/{user}/role", managersOnly, userRoute("PUT", "/role", domain.StatusActive, obj{"role": "manager"})},
	{"PUT /v1/tenants/{tenant}/users/{user}/password", managersOnly, userRoute("PUT", "/password", domain.StatusActive, obj{"password": "a new pass phrase"})},
	{"DELETE /v1/tenants/{tenant}/users/{user}", managersOnly, userRoute("DELETE", "", domain.StatusActive, nil)},
	{"PUT /v1/tenants/{tenant}/teams/{team}", managersOnly, fixed("PUT", "/v1/tenants/acme/teams/red", obj{"name": "Red"})},
	{"PUT /v1/tenants/{tenant}/teams/{team}/members/{user}", managersOnly, func(w *accessWorld) (string, string, any) {
		w.ensureTeam()
		return "PUT", "/v1/tenants/acme/teams/blue/members/" + string(w.target(domain.StatusActive)), nil
	}},
	{"DELETE /v1/tenants/{tenant}/teams/{team}/members/{user}", managersOnly, func(w *accessWorld) (string, string, any) {
		w.ensureTeam()
		id := w.target(domain.StatusActive)
		mustHandleFn(w.t)(w.h.JoinTeam.Handle(bg, execution.Envelope{Tenant: "acme"}, domain.JoinTeam{Actor: domain.OperatorActor(), Team: "blue", User: id}))
		return "DELETE", "/v1/tenants/acme/teams/blue/members/" + string(id), nil
	}},
	{"PUT /v1/tenants/{tenant}/teams/{team}/leader", managersOnly, func(w *accessWorld) (string, string, any) {
		w.ensureTeam()
		return "PUT", "/v1/tenants/acme/teams/blue/leader", obj{"user": string(w.target(domain.StatusActive))}
	}},
	{"GET /v1/tenants/{tenant}/teams", staffOnly, fixed("GET", "/v1/tenants/acme/teams", nil)},
	{"PUT /v1/tenants/{tenant}/work/{item}", managersOnly, func(w *accessWorld) (string, string, any) {
		return "PUT", fmt.Sprintf("/v1/tenants/acme/work/job-%d", w.next.Add(1)), obj{"kind": "job", "assignee": string(w.target(domain.StatusActive))}
	}},
	{"GET /v1/tenants/{tenant}/work", staffOnly, fixed("GET", "/v1/tenants/acme/work", nil)},
	{"POST /v1/tenants/{tenant}/ownership-transfers", managersOnly, func(w *accessWorld) (string, string, any) {
		return "POST", "/v1/tenants/acme/ownership-transfers", obj{"from": string(w.target(domain.StatusActive)), "to": "unassigned"}
	}},
	{"GET /v1/tenants/{tenant}/audit", managersOnly, fixed("GET", "/v1/tenants/acme/audit", nil)},
	{"GET /v1/tenants/{tenant}/events", ownersAndAdmins, fixed("GET", "/v1/tenants/acme/events", nil)},
	{"GET /v1/events", allowed{200, 403, 403, 403, 403, 403, 403}, fixed("GET", "/v1/events", nil)},
	{"POST /v1/tenants/{tenant}/webhooks", allowedCreated(ownersAndAdmins), fixed("POST", "/v1/tenants/acme/webhooks", obj{"url": "http://127.0.0.1:9/hook"})},
	{"GET /v1/tenants/{tenant}/webhooks", ownersAndAdmins, fixed("GET", "/v1/tenants/acme/webhooks", nil)},
	{"PATCH /v1/tenants/{tenant}/webhooks/{webhook}", ownersAndAdmins, webhookRoute("PATCH", "", obj{"enabled": false})},
	{"DELETE /v1/tenants/{tenant}/webhooks/{webhook}", allowedNoContent(ownersAndAdmins), webhookRoute("DELETE", "", nil)},
	{"POST /v1/tenants/{tenant}/webhooks/{webhook}/rotate-secret", ownersAndAdmins, webhookRoute("POST", "/rotate-secret", nil)},
	{"GET /v1/tenants/{tenant}/webhooks/{webhook}/deliveries", ownersAndAdmins, webhookRoute("GET", "/deliveries", nil)},
	{"POST /v1/tenants/{tenant}/webhooks/{webhook}/replay", allowedAccepted(ownersAndAdmins), webhookRoute("POST", "/replay", obj{"after": "0"})},
	{"POST /v1/tenants/{tenant}/scim-connections", allowed{201, 201, 403, 403, 403, 403, 0}, func(w *accessWorld) (string, string, any) {
		return "POST", "/v1/tenants/acme/scim-connections", obj{"name": fmt.Sprintf("idp-%d", w.next.Add(1))}
	}},
	{"GET /v1/tenants/{tenant}/scim-connections", ownersOnly, fixed("GET", "/v1/tenants/acme/scim-connections", nil)},
	{"DELETE /v1/tenants/{tenant}/scim-connections/{connection}", ownersOnly, func(w *accessWorld) (string, string, any) {
		id := domain.ConnectionID(fmt.Sprintf("c-%d", w.next.Add(1)))
		w.track(w.h.CreateScimConnection.Handle(bg, execution.Envelope{Tenant: "acme"}, commands.CreateScimConnection{
			Actor: domain.OperatorActor(), Connection: id, Name: string(id), Token: commands.NewScimToken()}))
		return "DELETE", "/v1/tenants/acme/scim-connections/" + string(id), nil
	}},
	{"POST /v1/introspect", allowed{200, 200, 200, 200, 200, 200, 200}, func(w *accessWorld) (string, string, any) {
		return "POST", "/v1/introspect", obj{"token": w.tokens[memberP]}
	}},
	{"GET /v1/projections", allowed{200, 403, 403, 403, 403, 403, 403}, fixed("GET", "/v1/projections", nil)},
	{"POST /v1/projections/{name}/rebuild", allowed{202, 403, 403, 403, 403, 403, 403}, fixed("POST", "/v1/projections/tenants_v1/rebuild", nil)},
}

// webhookRoute is a cell on a fresh webhook endpoint of acme, created by
// the operator through the API.
func webhookRoute(method, suffix string, body any) func(w *accessWorld) (string, string, any) {
	return func(w *accessWorld) (string, string, any) {
		created := expect(w.t, "a webhook endpoint", call(w.t, w.base, "POST", "/v1/tenants/acme/webhooks", "op-token",
			obj{"url": "http://127.0.0.1:9/hook"}), http.StatusCreated, "")
		return method, "/v1/tenants/acme/webhooks/" + created.str("id") + suffix, body
	}
}

// allowedCreated, allowedNoContent and allowedAccepted are a as answered
// by a route whose success is 201, 204 or 202.
func allowedCreated(a allowed) allowed   { return a.succeeding(http.StatusCreated) }
func allowedNoContent(a allowed) allowed { return a.succeeding(http.StatusNoContent) }
func allowedAccepted(a allowed) allowed  { return a.succeeding(http.StatusAccepted) }

func (a allowed) succeeding(status int) allowed {
	for _, f := range []*int{&a.op, &a.owner, &a.admin, &a.manager, &a.member, &a.customer, &a.other} {
		if *f == http.StatusOK {
			*f = status
		}
	}
	return a
}

func (w *accessWorld) ensureTeam() {
	mustHandleFn(w.t)(w.h.DefineTeam.Handle(bg, execution.Envelope{Tenant: "acme"}, domain.DefineTeam{Actor: domain.OperatorActor(), Team: "blue", Name: "Blue"}))
}

// Every endpoint × every kind of caller answers the status the access rules
// give: 401 without a valid token, 404 for another tenant's user on acme's
// paths, 403 for a role the policy does not allow, success otherwise.
func TestEveryEndpointAnswersEachPrincipalAsTheAccessRulesSay(t *testing.T) {
	t.Parallel()
	w := newAccessWorld(t)
	for _, row := range accessRows {
		for p := range principals {
			method, path, body := row.cell(w)
			if method == "GET" { // reads see the cell's set-up
				path += "?min_position=" + w.last
			}
			got := call(t, w.base, method, path, w.tokens[p], body)
			if want := row.access.want(p); got.Status != want {
				t.Errorf("%s as %s: %d %s, want %d", row.route, principalNames[p], got.Status, got.Raw, want)
			}
		}
	}
	// Logout is per session: each session ends its own, once.
	for p := operatorP; p < principals; p++ {
		token := w.tokens[p]
		if p != operatorP {
			token = w.freshSession(p)
		}
		want := http.StatusNoContent
		if p == operatorP {
			want = http.StatusBadRequest // the operator token is no session
		}
		expect(t, "logout as "+principalNames[p], call(t, w.base, "DELETE", "/v1/sessions/current", token, nil), want, "")
		if p != operatorP {
			expect(t, "the logged-out token", call(t, w.base, "GET", "/v1/tenants/acme", token, nil), http.StatusUnauthorized, "unauthenticated")
		}
	}
	for _, p := range []int{noToken, badToken} {
		expect(t, "logout as "+principalNames[p], call(t, w.base, "DELETE", "/v1/sessions/current", w.tokens[p], nil), http.StatusUnauthorized, "unauthenticated")
	}
}

// freshSession logs principal p in again, for a cell that ends the session.
func (w *accessWorld) freshSession(p int) string {
	switch p {
	case ownerP:
		return w.login("acme", "owner@acme.example", "owner pass")
	case otherTenantP:
		return w.login("globex", "gx@globex.example", passwordOf("gx"))
	}
	id := map[int]string{adminP: "admin", managerP: "manager", memberP: "member", customerP: "customer"}[p]
	return w.login("acme", id+"@acme.example", passwordOf(id))
}
