package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// An owner creates a SCIM connection: its token is answered once and
// listed never; a change the connection makes is attributed to
// "scim:<name>" in the audit trail; a revoked connection's commands are
// refused when decided.
func TestScimConnectionsAreCreatedListedRevokedAndAttributed(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	createAcme(t, svc.Commands)
	owner := login(t, server.URL, "acme", "owner@acme.example", "owner pass").str("token")
	base := "/v1/tenants/acme/scim-connections"

	created := expect(t, "create", call(t, server.URL, "POST", base, owner, obj{"name": "Okta", "group_roles": obj{"Roster admins": "admin"}}), http.StatusCreated, "")
	token, id := created.str("token"), created.str("id")
	if !strings.HasPrefix(token, "rsc_") || id == "" || created.Body["changed"] != true {
		t.Fatalf("created %s", created.Raw)
	}
	expect(t, "a second live connection of that name", call(t, server.URL, "POST", base, owner, obj{"name": "Okta"}), http.StatusConflict, "invalid_transition")
	expect(t, "a mapping to no role", call(t, server.URL, "POST", base, owner, obj{"name": "Entra", "group_roles": obj{"G": "emperor"}}), http.StatusBadRequest, "invalid")
	dry := expect(t, "a dry run (answered as the real call would be)", call(t, server.URL, "POST", base+"?dry_run=true", owner, obj{"name": "Entra"}), http.StatusCreated, "")
	if dry.str("token") != "" || dry.Body["dry_run"] != true {
		t.Fatalf("a dry run made a token: %s", dry.Raw)
	}

	if never := expect(t, "list before any use", call(t, server.URL, "GET", base, owner, nil), http.StatusOK, ""); !strings.Contains(never.Raw, `"last_used_at":null`) {
		t.Fatalf("a connection never used: %s", never.Raw)
	}
	expect(t, "the connection used", call(t, server.URL, "GET", "/v1/tenants/acme/scim/v2/Users", token, nil), http.StatusOK, "")
	listed := expect(t, "list", call(t, server.URL, "GET", base, owner, nil), http.StatusOK, "")
	if strings.Contains(listed.Raw, `"last_used_at":null`) {
		t.Fatalf("the used connection shows no last use: %s", listed.Raw)
	}
	if strings.Contains(listed.Raw, token) || strings.Contains(listed.Raw, `"token"`) || !strings.Contains(listed.Raw, `"Roster admins":"admin"`) {
		t.Fatalf("the list shows %s", listed.Raw)
	}
	expect(t, "the token on the JSON API", call(t, server.URL, "GET", "/v1/tenants/acme", token, nil), http.StatusUnauthorized, "unauthenticated")

	// The connection deactivates a user (in process until the SCIM routes
	// call it): the audit trail names it.
	mustHandleFn(t)(svc.Commands.InviteUser.Handle(bg, execution.Envelope{Tenant: "acme"}, commands.InviteUser{Actor: domain.OperatorActor(),
		User: "ann", Email: "ann@acme.example", Name: "Ann", Role: domain.RoleMember, Kind: domain.KindMember, Activate: true}))
	as := domain.ConnectionActor(domain.ConnectionID(id), "Okta")
	res := mustHandleFn(t)(svc.Commands.DeactivateUser.Handle(bg, execution.Envelope{Tenant: "acme"}, domain.DeactivateUser{Actor: as, User: "ann", At: time.Now()}))
	audit := expect(t, "audit", call(t, server.URL, "GET", "/v1/tenants/acme/audit?actor=scim:Okta&min_position="+res.Position.String(), owner, nil), http.StatusOK, "")
	if !strings.Contains(audit.Raw, `"UserDeactivated"`) || !strings.Contains(audit.Raw, `"id":"scim:Okta"`) {
		t.Fatalf("the audit trail shows %s", audit.Raw)
	}

	revoked := expect(t, "revoke", call(t, server.URL, "DELETE", base+"/"+id, owner, nil), http.StatusOK, "")
	if revoked.Body["changed"] != true {
		t.Fatalf("revoked %s", revoked.Raw)
	}
	if again := expect(t, "revoke again", call(t, server.URL, "DELETE", base+"/"+id, owner, nil), http.StatusOK, ""); again.Body["changed"] != false {
		t.Fatalf("revoked again %s", again.Raw)
	}
	_, err := svc.Commands.ReactivateUser.Handle(bg, execution.Envelope{Tenant: "acme"}, domain.ReactivateUser{Actor: as, User: "ann"})
	if domain.CodeOf(err) != domain.CodeUnauthenticated {
		t.Fatalf("a revoked connection's command: %v", err)
	}
	expect(t, "revoke unknown", call(t, server.URL, "DELETE", base+"/nope", owner, nil), http.StatusNotFound, "not_found")
	expect(t, "a bad id", call(t, server.URL, "DELETE", base+"/No!", owner, nil), http.StatusBadRequest, "invalid")
}
