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

// A profile change (what SCIM sends when a person is renamed or changes
// address) shows in the write model's replies, the read model, its search,
// and as of an instant; the old e-mail logs in no more and frees itself.
func TestAProfileChangeShowsEverywhere(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	createAcme(t, svc.Commands)
	acme := execution.Envelope{Tenant: "acme"}
	op := domain.OperatorActor()
	mustHandleFn(t)(svc.Commands.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "ann", Email: "ann@acme.example",
		Name: "Ann Old", Password: "ann pass phrase", Role: domain.RoleMember, Kind: domain.KindMember, Activate: true}))
	before := time.Now()
	res := mustHandleFn(t)(svc.Commands.ChangeProfile.Handle(bg, acme, commands.ChangeProfile{Actor: op, User: "ann",
		Email: "Ann.New@acme.example", Name: "Ann New", Provisioned: commands.Provisioned{ExternalID: "00uANN", GivenName: "Ann", FamilyName: "New"}}))
	profile, err := svc.Queries.Profile(bg, "acme", *res.User, res)
	if err != nil || profile.Name != "Ann New" || profile.Email != "ann.new@acme.example" || profile.ExternalID != "00uANN" || profile.PasswordHash != "" {
		t.Fatalf("the write model's profile: %+v, %v", profile, err)
	}
	if m, found, err := svc.Queries.MemberByEmailIndex(bg, "acme", svc.Key.BlindIndex().EmailIndex("ann@acme.example")); found || err != nil {
		t.Fatalf("the old e-mail still finds %+v (%v)", m, err)
	}

	pos := res.Position.String()
	got := expect(t, "read", call(t, server.URL, "GET", "/v1/tenants/acme/users/ann?min_position="+pos, "op-token", nil), http.StatusOK, "")
	if got.str("name") != "Ann New" || got.str("email") != "ann.new@acme.example" {
		t.Fatalf("the read model shows %s", got.Raw)
	}
	found := expect(t, "search", call(t, server.URL, "GET", "/v1/tenants/acme/users?q=ann%20new&min_position="+pos, "op-token", nil), http.StatusOK, "")
	if !strings.Contains(found.Raw, `"id":"ann"`) {
		t.Fatalf("the search finds %s", found.Raw)
	}
	old := expect(t, "as of before", call(t, server.URL, "GET", "/v1/tenants/acme/users/ann?as_of="+before.UTC().Format(time.RFC3339Nano), "op-token", nil), http.StatusOK, "")
	if old.str("name") != "Ann Old" {
		t.Fatalf("as of before the change: %s", old.Raw)
	}
	expect(t, "the old e-mail", login(t, server.URL, "acme", "ann@acme.example", "ann pass phrase"), http.StatusUnauthorized, "invalid_credentials")
	expect(t, "the new e-mail", login(t, server.URL, "acme", "ann.new@acme.example", "ann pass phrase"), http.StatusCreated, "")
	mustHandleFn(t)(svc.Commands.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "bob", Email: "ann@acme.example",
		Name: "Bob", Role: domain.RoleMember, Kind: domain.KindMember}))
	_, err = svc.Commands.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "cat", Email: "cat@acme.example",
		Name: "Cat", Role: domain.RoleMember, Kind: domain.KindMember, Provisioned: commands.Provisioned{ExternalID: "00uANN"}})
	if domain.CodeOf(err) != domain.CodeInvalidTransition {
		t.Fatalf("a second user with ann's external id: %v", err)
	}
}
