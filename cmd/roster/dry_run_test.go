package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/wiring"
)

// streamLength is how many events tenant's stream holds.
func streamLength(t *testing.T, svc *wiring.Services, tenant string) int {
	t.Helper()
	n := 0
	for {
		page, err := svc.Events.ReadStream(bg, domain.TenantStream(domain.TenantID(tenant)), int64(n), 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return n
		}
		n += len(page)
	}
}

// comparable drops from a write's reply what a dry run and the real call
// made after it may tell differently and rightly so: the position (the
// real call's is of its own events), the instant of the change, and the
// dry_run flag itself.
func comparable(r reply) map[string]any {
	body := maps.Clone(r.Body)
	delete(body, "position")
	delete(body, "dry_run")
	delete(body, "updated_at")
	if owner, ok := body["owner"].(map[string]any); ok {
		owner = maps.Clone(owner)
		delete(owner, "updated_at")
		delete(owner, "created_at")
		body["owner"] = owner
	}
	if _, created := body["email"]; created && r.Status == http.StatusCreated {
		delete(body, "created_at")
	}
	return body
}

// A dry run of each write endpoint stores nothing (the tenant's stream is
// as long after it as before) and answers what the real call made right
// after it answers: the same status, the same resource, the same "changed"
// and consequences — or the same problem document. The endpoints run in an
// order that makes each one change something, plus refusals.
func TestADryRunOfEveryWriteStoresNothingAndAnswersAsTheRealCall(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, obj{"deactivate_leaves_teams": true})
	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "olga", "manager", "member")
	httpUser(t, base, "acme", "cust", "member", "customer")
	httpLogin(t, base, "acme", "ann")
	httpLogin(t, base, "acme", "ann")

	u := "/v1/tenants/acme/users/"
	steps := []struct {
		name, method, path string
		body               any
		token              string
		status             int
		code               string
	}{
		{"create tenant", "POST", "/v1/tenants", obj{"id": "globex", "name": "Globex", "preset": "commerce", "seats": 3,
			"owner": obj{"id": "gboss", "email": "boss@globex.example", "name": "G Boss", "password": passwordOf("gboss")}}, "op-token", 201, ""},
		{"change policy", "PATCH", "/v1/tenants/acme/policy", obj{"inactive_consumes_seat": false}, boss, 200, ""},
		{"change seats", "PUT", "/v1/tenants/acme/seats", obj{"seats": 12}, boss, 200, ""},
		{"seats below those used", "PUT", "/v1/tenants/acme/seats", obj{"seats": 1}, boss, 409, "seat_limit"},
		{"invite", "POST", "/v1/tenants/acme/users", obj{"id": "ivy", "email": "ivy@acme.example", "name": "Ivy", "role": "member"}, boss, 201, ""},
		{"activate", "POST", u + "ivy/activate", obj{}, boss, 200, ""},
		{"define team", "PUT", "/v1/tenants/acme/teams/support", obj{"name": "Support"}, boss, 200, ""},
		{"join team", "PUT", "/v1/tenants/acme/teams/support/members/ann", nil, boss, 200, ""},
		{"lead team", "PUT", "/v1/tenants/acme/teams/support/leader", obj{"user": "ann"}, boss, 200, ""},
		{"assign work", "PUT", "/v1/tenants/acme/work/c1", obj{"kind": "conversation", "assignee": "ann"}, boss, 200, ""},
		{"assign more work", "PUT", "/v1/tenants/acme/work/c2", obj{"kind": "conversation", "assignee": "ann"}, boss, 200, ""},
		{"deactivate the sole owner", "POST", u + "boss/deactivate", obj{}, boss, 409, "sole_owner"},
		{"deactivate", "POST", u + "ann/deactivate", obj{"reason": "left", "handoff_to": "olga"}, boss, 200, ""},
		{"deactivate again", "POST", u + "ann/deactivate", obj{}, boss, 200, ""},
		{"reactivate", "POST", u + "ann/reactivate", obj{}, boss, 200, ""},
		{"transfer", "POST", "/v1/tenants/acme/ownership-transfers", obj{"from": "olga", "to": "ann"}, boss, 200, ""},
		{"block", "POST", u + "ann/block", obj{}, boss, 200, ""},
		{"unblock", "POST", u + "ann/unblock", obj{}, boss, 200, ""},
		{"unblock who is not blocked", "POST", u + "ann/unblock", obj{}, boss, 409, "invalid_transition"},
		{"revoke sessions", "POST", u + "ann/revoke-sessions", obj{}, boss, 200, ""},
		{"change role", "PUT", u + "ann/role", obj{"role": "manager"}, boss, 200, ""},
		{"set password", "PUT", u + "ann/password", obj{"password": "a new pass phrase for ann"}, boss, 200, ""},
		{"leave team", "DELETE", "/v1/tenants/acme/teams/support/members/ann", nil, boss, 200, ""},
		{"deactivate a customer", "POST", u + "cust/deactivate", obj{}, boss, 200, ""},
		{"delete", "DELETE", u + "ann", obj{"reason": "gone"}, boss, 200, ""},
	}
	for _, s := range steps {
		tenant := "acme"
		if strings.HasPrefix(s.name, "create tenant") {
			tenant = "globex"
		}
		before := streamLength(t, svc, tenant)
		dry := call(t, base, s.method, s.path+"?dry_run=true", s.token, s.body)
		if after := streamLength(t, svc, tenant); after != before {
			t.Fatalf("%s: the dry run stored %d events", s.name, after-before)
		}
		real := call(t, base, s.method, s.path, s.token, s.body)
		expect(t, s.name, real, s.status, s.code)
		if dry.Status != real.Status {
			t.Fatalf("%s: the dry run answered %d %s, the real call %d %s", s.name, dry.Status, dry.Raw, real.Status, real.Raw)
		}
		if s.code != "" {
			dry.Body["instance"], real.Body["instance"] = nil, nil // the request's own path
			if !reflect.DeepEqual(dry.Body, real.Body) {
				t.Fatalf("%s: the dry run's problem\n%s\nis not the real call's\n%s", s.name, dry.Raw, real.Raw)
			}
			continue
		}
		if dry.Body["dry_run"] != true || real.Body["dry_run"] != nil {
			t.Fatalf("%s: dry_run is %v in the dry run and %v in the real call", s.name, dry.Body["dry_run"], real.Body["dry_run"])
		}
		if !reflect.DeepEqual(comparable(dry), comparable(real)) {
			t.Fatalf("%s: the dry run answered\n%s\nthe real call\n%s", s.name, dry.Raw, real.Raw)
		}
	}
}

// The preview of a deactivation names every consequence the policy gives
// it: the status, the sessions that die (counted), the seat freed, the work
// handed to whom, the team left and its leadership lost.
func TestTheDeactivationPreviewNamesEveryConsequence(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, obj{"deactivate_leaves_teams": true})
	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "olga", "manager", "member")
	for range 3 {
		httpLogin(t, base, "acme", "ann")
	}
	expect(t, "team", call(t, base, "PUT", "/v1/tenants/acme/teams/support", boss, obj{"name": "Support", "leader": "ann"}), 200, "")
	for _, item := range []string{"c2", "c1"} {
		expect(t, "work", call(t, base, "PUT", "/v1/tenants/acme/work/"+item, boss, obj{"kind": "conversation", "assignee": "ann"}), 200, "")
	}
	dry := expect(t, "preview", call(t, base, "POST", "/v1/tenants/acme/users/ann/deactivate?dry_run=true", boss, obj{"handoff_to": "olga"}), 200, "")
	var got struct {
		Consequences []map[string]any `json:"consequences"`
		Status       string           `json:"status"`
		Changed      bool             `json:"changed"`
	}
	if err := json.Unmarshal([]byte(dry.Raw), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"kind": "status_changed", "user": "ann", "from": "active", "to": "inactive"},
		{"kind": "sessions_revoked", "user": "ann", "count": 3.0},
		{"kind": "seat_freed", "user": "ann"},
		{"kind": "work_moved", "user": "ann", "from": "ann", "to": "olga", "items": []any{"c1", "c2"}},
		{"kind": "team_leadership_lost", "user": "ann", "team": "support"},
		{"kind": "team_left", "user": "ann", "team": "support"},
	}
	if got.Status != "inactive" || !got.Changed {
		t.Errorf("the preview shows ann %s, changed %v; want inactive, true", got.Status, got.Changed)
	}
	if !sameConsequences(got.Consequences, want) {
		t.Errorf("consequences:\n got %v\nwant %v (in any order)", got.Consequences, want)
	}
	// The real call tells the same, and the sessions are dead.
	real := expect(t, "deactivate", call(t, base, "POST", "/v1/tenants/acme/users/ann/deactivate", boss, obj{"handoff_to": "olga"}), 200, "")
	if err := json.Unmarshal([]byte(real.Raw), &got); err != nil {
		t.Fatal(err)
	}
	if !sameConsequences(got.Consequences, want) {
		t.Errorf("the real call's consequences:\n got %v\nwant %v", got.Consequences, want)
	}
	// Nothing is left to do: a second preview changes nothing, and says so.
	again := expect(t, "preview again", call(t, base, "POST", "/v1/tenants/acme/users/ann/deactivate?dry_run=true", boss, obj{}), 200, "")
	if again.Body["changed"] != false || len(again.Body["consequences"].([]any)) != 0 {
		t.Errorf("a preview of what already holds: %s", again.Raw)
	}
}

// sameConsequences reports whether got holds want's consequences, in any
// order.
func sameConsequences(got, want []map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	left := slices.Clone(want)
	for _, g := range got {
		i := slices.IndexFunc(left, func(w map[string]any) bool { return reflect.DeepEqual(w, g) })
		if i < 0 {
			return false
		}
		left = slices.Delete(left, i, i+1)
	}
	return true
}

// A dry run is allowed to whoever may make the real call, and to nobody
// else: a member's preview of a deactivation is refused as the real call
// is; an unknown dry_run value is refused, never taken for a real call; a
// dry run claims no Idempotency-Key, so the real call with the same key is
// carried out (and its repeat replayed).
func TestADryRunIsAllowedAsTheRealCallAndClaimsNoKey(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "mo", "member", "member")
	httpUser(t, base, "acme", "olga", "manager", "member")
	mo := httpLogin(t, base, "acme", "mo")

	path := "/v1/tenants/acme/users/olga/deactivate"
	dry := expect(t, "member's preview", call(t, base, "POST", path+"?dry_run=true", mo, obj{}), 403, "")
	real := expect(t, "member's call", call(t, base, "POST", path, mo, obj{}), 403, "")
	if dry.code() != real.code() {
		t.Errorf("the preview's refusal %s differs from the call's %s", dry.Raw, real.Raw)
	}
	expect(t, "no token", call(t, base, "POST", path+"?dry_run=true", "", obj{}), 401, "unauthenticated")
	for _, bad := range []string{"yes", "TRUE", "1", "true&dry_run=true"} {
		expect(t, "dry_run="+bad, call(t, base, "POST", path+"?dry_run="+bad, boss, obj{}), 400, "invalid")
	}
	// A login cannot be previewed: asked for, it is refused, never carried out.
	before := streamLength(t, svc, "acme")
	expect(t, "a login's preview", call(t, base, "POST", "/v1/tenants/acme/sessions?dry_run=true", "",
		obj{"email": "mo@acme.example", "password": passwordOf("mo")}), 400, "invalid")
	expect(t, "a logout's preview", call(t, base, "DELETE", "/v1/sessions/current?dry_run=true", mo, nil), 400, "invalid")
	if streamLength(t, svc, "acme") != before {
		t.Fatal("a login's preview was carried out")
	}

	before = streamLength(t, svc, "acme")
	key := []string{"Idempotency-Key", "offboard-olga"}
	expect(t, "keyed preview", call(t, base, "POST", path+"?dry_run=true", boss, obj{}, key...), 200, "")
	first := expect(t, "keyed call", call(t, base, "POST", path, boss, obj{}, key...), 200, "")
	if first.Body["changed"] != true || streamLength(t, svc, "acme") == before {
		t.Fatalf("the real call after a keyed preview stored nothing: %s", first.Raw)
	}
	repeat := expect(t, "repeat", call(t, base, "POST", path, boss, obj{}, key...), 200, "")
	if repeat.Raw != first.Raw {
		t.Errorf("the repeat answered\n%s\nnot the first outcome\n%s", repeat.Raw, first.Raw)
	}
}
