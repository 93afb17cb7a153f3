package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
)

// bulkOf is a bulk body of actions on users, all of one kind.
func bulkOf(atomic bool, action string, users ...string) obj {
	actions := make([]obj, len(users))
	for i, u := range users {
		actions[i] = obj{"action": action, "user": u}
	}
	return obj{"atomic": atomic, "actions": actions}
}

// An atomic bulk holds the tenant's invariants across its actions exactly
// as single commands do, and stores nothing when one action is refused: the
// answer is that action's problem with its index. Deactivating both owners
// is refused with sole_owner at the second; reactivating more users than
// seats are free is refused with seat_limit where the seats run out.
func TestAnAtomicBulkHoldsTheInvariantsAcrossItsActions(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 4, nil)
	httpUser(t, base, "acme", "co", "owner", "member")
	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "bob", "member", "member")

	before := streamLength(t, svc, "acme")
	refused := expect(t, "both owners", call(t, base, "POST", "/v1/tenants/acme/bulk", "op-token", bulkOf(true, "deactivate", "boss", "co")), 409, "sole_owner")
	if refused.Body["index"] != 1.0 {
		t.Errorf("the refusal names action %v, want 1: %s", refused.Body["index"], refused.Raw)
	}
	if streamLength(t, svc, "acme") != before {
		t.Fatal("a refused atomic bulk stored events")
	}

	// Free the seats up, then take back more than there are.
	expect(t, "deactivate three", call(t, base, "POST", "/v1/tenants/acme/bulk", boss, bulkOf(true, "deactivate", "co", "ann", "bob")), 200, "")
	httpUser(t, base, "acme", "cy", "member", "member")
	httpUser(t, base, "acme", "di", "member", "member")
	before = streamLength(t, svc, "acme")
	seats := expect(t, "over the seats", call(t, base, "POST", "/v1/tenants/acme/bulk", boss, bulkOf(true, "reactivate", "co", "ann", "bob")), 409, "seat_limit")
	if seats.Body["index"] != 1.0 {
		t.Errorf("the refusal names action %v, want 1 (4 seats: boss, cy, di, co): %s", seats.Body["index"], seats.Raw)
	}
	if streamLength(t, svc, "acme") != before {
		t.Fatal("a refused atomic bulk stored events")
	}
}

// A bulk that is not atomic carries out each action on its own: a result
// per action, with its status, user, consequences or problem. Its dry run
// answers the same and stores nothing; with an Idempotency-Key its repeat
// answers the first outcome and stores nothing; every action's events carry
// the batch's one correlation id.
func TestABulkThatIsNotAtomicAnswersEachAction(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "bob", "member", "member")
	httpLogin(t, base, "acme", "ann")
	body := obj{"atomic": false, "actions": []obj{
		{"action": "deactivate", "user": "ann", "reason": "contract ended"},
		{"action": "deactivate", "user": "boss"},
		{"action": "change-role", "user": "bob", "role": "manager"},
		{"action": "block", "user": "nobody"},
	}}
	before := streamLength(t, svc, "acme")
	dry := expect(t, "dry run", call(t, base, "POST", "/v1/tenants/acme/bulk?dry_run=true", boss, body), 200, "")
	if streamLength(t, svc, "acme") != before {
		t.Fatal("a dry run stored events")
	}
	key := []string{"Idempotency-Key", "leavers-2026-12", "X-Correlation-ID", "hr-list-17"}
	real := expect(t, "bulk", call(t, base, "POST", "/v1/tenants/acme/bulk", boss, body, key...), 200, "")
	var got struct {
		Results []struct {
			Index        int              `json:"index"`
			Status       int              `json:"status"`
			Changed      *bool            `json:"changed"`
			User         map[string]any   `json:"user"`
			Consequences []map[string]any `json:"consequences"`
			Problem      map[string]any   `json:"problem"`
		} `json:"results"`
		Changed int  `json:"changed"`
		DryRun  bool `json:"dry_run"`
	}
	if err := json.Unmarshal([]byte(real.Raw), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 4 || got.Changed != 2 || got.DryRun {
		t.Fatalf("reply: %s", real.Raw)
	}
	want := []struct {
		status int
		code   string
	}{{200, ""}, {409, "sole_owner"}, {200, ""}, {404, "not_found"}}
	for i, w := range want {
		r := got.Results[i]
		if r.Index != i || r.Status != w.status || (w.code != "" && r.Problem["code"] != w.code) || (w.code == "") != (r.Problem == nil) {
			t.Errorf("result %d: %+v, want status %d %s", i, r, w.status, w.code)
		}
	}
	if got.Results[0].User["status"] != "inactive" || len(got.Results[0].Consequences) == 0 || got.Results[2].User["role"] != "manager" {
		t.Errorf("results: %s", real.Raw)
	}
	dryBody, realBody := dry.Body, real.Body
	delete(dryBody, "dry_run")
	delete(dryBody, "position")
	delete(realBody, "position")
	for _, b := range []map[string]any{dryBody, realBody} {
		for _, r := range b["results"].([]any) {
			if u, ok := r.(map[string]any)["user"].(map[string]any); ok {
				delete(u, "updated_at")
			}
		}
	}
	if dj, rj := mustJSON(t, dryBody), mustJSON(t, realBody); dj != rj {
		t.Errorf("the dry run answered\n%s\nthe real bulk\n%s", dj, rj)
	}
	after := streamLength(t, svc, "acme")
	if repeat := expect(t, "repeat", call(t, base, "POST", "/v1/tenants/acme/bulk", boss, body, key...), 200, ""); repeat.Raw != real.Raw {
		t.Errorf("the repeat answered\n%s\nnot\n%s", repeat.Raw, real.Raw)
	}
	if streamLength(t, svc, "acme") != after {
		t.Error("the repeat stored events")
	}
	events, err := svc.Events.ReadStream(bg, domain.TenantStream("acme"), int64(before), 100)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, e := range events {
		var meta domain.Metadata
		if err := json.Unmarshal(e.Metadata, &meta); err != nil {
			t.Fatal(err)
		}
		if meta.CorrelationID != "hr-list-17" {
			t.Errorf("%s carries correlation id %q", e.Type, meta.CorrelationID)
		}
		reasons[e.Type+":"+meta.Reason]++
	}
	if reasons["UserDeactivated:contract ended"] != 1 || reasons["RoleChanged:"] != 1 {
		t.Errorf("events by type and reason: %v", reasons)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A bulk's body is checked whole before anything runs: atomic is required,
// 1 to 1,000 actions, a known action, its user, and only the fields it takes.
func TestABulksBodyIsCheckedBeforeAnythingRuns(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "ann", "member", "member")
	many := make([]obj, 1001)
	for i := range many {
		many[i] = obj{"action": "block", "user": "ann"}
	}
	before := streamLength(t, svc, "acme")
	for name, c := range map[string]struct {
		body  obj
		field string
	}{
		"no atomic":         {obj{"actions": []obj{{"action": "block", "user": "ann"}}}, "atomic"},
		"no actions":        {obj{"atomic": true, "actions": []obj{}}, "actions"},
		"too many":          {obj{"atomic": true, "actions": many}, "actions"},
		"unknown action":    {obj{"atomic": true, "actions": []obj{{"action": "fire", "user": "ann"}}}, "actions.0.action"},
		"no user":           {obj{"atomic": true, "actions": []obj{{"action": "block"}}}, "actions.0.user"},
		"a field not taken": {obj{"atomic": false, "actions": []obj{{"action": "block", "user": "ann"}, {"action": "block", "user": "ann", "role": "owner"}}}, "actions.1.role"},
		"no role":           {obj{"atomic": true, "actions": []obj{{"action": "change-role", "user": "ann"}}}, "actions.0.role"},
	} {
		r := expect(t, name, call(t, base, "POST", "/v1/tenants/acme/bulk", boss, c.body), http.StatusBadRequest, "invalid")
		if r.Body["field"] != c.field {
			t.Errorf("%s: field %v, want %s", name, r.Body["field"], c.field)
		}
	}
	if streamLength(t, svc, "acme") != before {
		t.Error("a refused bulk stored events")
	}
}

// A bulk action's reason goes into its events as a request's does, and is
// held to the same rule: a NUL or 10 kB reason is refused, naming the
// action's field, before anything of it is stored; the other actions of a
// bulk that is not atomic go on, and the audit trail keeps up (no read
// model stops on a reason it cannot store).
func TestABulkActionsReasonIsHeldToTheRuleOfReasons(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "bob", "member", "member")
	before := streamLength(t, svc, "acme")
	atomic := expect(t, "atomic, a NUL", call(t, base, "POST", "/v1/tenants/acme/bulk", boss, obj{"atomic": true, "actions": []obj{
		{"action": "block", "user": "ann"}, {"action": "block", "user": "bob", "reason": "x\x00y"}}}), 400, "invalid")
	if atomic.Body["index"] != 1.0 || atomic.str("field") != "actions.1.reason" {
		t.Errorf("the refusal names %v, %q: %s", atomic.Body["index"], atomic.str("field"), atomic.Raw)
	}
	if streamLength(t, svc, "acme") != before {
		t.Fatal("a refused atomic bulk stored events")
	}
	mixed := expect(t, "each on its own", call(t, base, "POST", "/v1/tenants/acme/bulk", boss, obj{"atomic": false, "actions": []obj{
		{"action": "block", "user": "ann", "reason": strings.Repeat("r", 10_000)},
		{"action": "block", "user": "bob", "reason": "x\x00y"},
		{"action": "revoke-sessions", "user": "bob", "reason": "a fine reason"}}}), 200, "")
	results := mixed.Body["results"].([]any)
	for i, want := range []float64{400, 400, 200} {
		if got := results[i].(map[string]any)["status"]; got != want {
			t.Errorf("action %d: status %v, want %v: %s", i, got, want, mixed.Raw)
		}
	}
	if p := results[0].(map[string]any)["problem"].(map[string]any); p["field"] != "actions.0.reason" {
		t.Errorf("the 10 kB reason's refusal names %v", p["field"])
	}
	trail := expect(t, "the audit keeps up", call(t, base, "GET", "/v1/tenants/acme/audit?action=SessionsRevoked&min_position="+mixed.str("position"), boss, nil), 200, "")
	if !strings.Contains(trail.Raw, "a fine reason") || strings.Contains(trail.Raw, "x\\u0000y") {
		t.Errorf("audit: %s", trail.Raw)
	}
}
