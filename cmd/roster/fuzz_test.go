package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/infra/wiring"
)

// writeRoutes are every write endpoint of API.md (and Roster's purchases),
// as method and chi pattern; a fuzz input picks one by index.
var writeRoutes = []struct{ method, path string }{
	{"POST", "/v1/tenants"},                                        // 0
	{"POST", "/v1/tenants/{tenant}/sessions"},                      // 1
	{"POST", "/v1/introspect"},                                     // 2
	{"DELETE", "/v1/sessions/current"},                             // 3
	{"PATCH", "/v1/tenants/{tenant}/policy"},                       // 4
	{"PUT", "/v1/tenants/{tenant}/seats"},                          // 5
	{"POST", "/v1/tenants/{tenant}/purchases"},                     // 6
	{"POST", "/v1/tenants/{tenant}/users"},                         // 7
	{"POST", "/v1/tenants/{tenant}/users/{user}/activate"},         // 8
	{"POST", "/v1/tenants/{tenant}/users/{user}/deactivate"},       // 9
	{"POST", "/v1/tenants/{tenant}/users/{user}/reactivate"},       // 10
	{"POST", "/v1/tenants/{tenant}/users/{user}/block"},            // 11
	{"POST", "/v1/tenants/{tenant}/users/{user}/unblock"},          // 12
	{"POST", "/v1/tenants/{tenant}/users/{user}/revoke-sessions"},  // 13
	{"PUT", "/v1/tenants/{tenant}/users/{user}/role"},              // 14
	{"PUT", "/v1/tenants/{tenant}/users/{user}/password"},          // 15
	{"DELETE", "/v1/tenants/{tenant}/users/{user}"},                // 16
	{"PUT", "/v1/tenants/{tenant}/teams/{team}"},                   // 17
	{"PUT", "/v1/tenants/{tenant}/teams/{team}/members/{user}"},    // 18
	{"DELETE", "/v1/tenants/{tenant}/teams/{team}/members/{user}"}, // 19
	{"PUT", "/v1/tenants/{tenant}/teams/{team}/leader"},            // 20
	{"PUT", "/v1/tenants/{tenant}/work/{item}"},                    // 21
	{"POST", "/v1/tenants/{tenant}/ownership-transfers"},           // 22
}

// The path parameters a fuzz input's target byte picks from: bits 0–1 the
// tenant, 2–4 the user, 5 the team, 6 the work item. Index 0 is the fuzz
// tenant's own: tenant acme, user mem, team crew, item job-1.
var (
	fuzzTenants = []string{"acme", "acme", "ghost", "Not_A_Tenant"}
	fuzzUsers   = []string{"mem", "adm", "mgr", "cus", "lead", "owner", "nobody", "not an id!" + strings.Repeat("x", 64)}
	fuzzTeams   = []string{"crew", "new-team"}
	fuzzItems   = []string{"job-1", "job-2"}
)

// The bearer tokens a fuzz input's token byte picks from.
const (
	tokenNone = iota
	tokenGarbage
	tokenUnknownSession // well-formed, but no session has it
	tokenOperator
	tokenOwner
	tokenChoices
)

const fuzzOwnerPassword = "owner pass"

// FuzzWriteEndpoints sends any body, Idempotency-Key, If-Match and token to
// every write endpoint of one service, and fails on a 500 or on an error
// answer that is not a problem document with a code.
func FuzzWriteEndpoints(f *testing.F) {
	_, base := fuzzServer(f)
	w := &fuzzWorld{base: base}
	w.populate(f)
	for _, s := range writeSeeds {
		f.Add(s.route, uint8(0), s.token, []byte(s.body), s.key, s.ifMatch)
	}
	f.Fuzz(func(t *testing.T, route, target, token uint8, body []byte, idempotencyKey, ifMatch string) {
		r := writeRoutes[int(route)%len(writeRoutes)]
		headers := headerPairs("Idempotency-Key", idempotencyKey, "If-Match", ifMatch)
		got := w.send(t, r.method, routePath(r.path, target), w.token(t, token), string(body), headers...)
		if token%tokenChoices == tokenOwner && got.Status == http.StatusUnauthorized {
			w.owner = "" // revoked, logged out or locked out by this input: log in again next time
		}
	})
}

// fuzzWorld is the service under fuzz and the owner's current session.
type fuzzWorld struct {
	base  string
	owner string
}

// send calls the service and fails on a 500, or an error answer that is
// not a problem document with a code.
func (w *fuzzWorld) send(t testing.TB, method, path, token string, body any, headers ...string) reply {
	t.Helper()
	got := call(t, w.base, method, path, token, body, headers...)
	if got.Status >= http.StatusInternalServerError {
		t.Fatalf("%s %s (headers %q) with body %q answered %d: %s", method, path, headers, body, got.Status, got.Raw)
	}
	contentType := got.Header.Get("Content-Type")
	if got.Status >= http.StatusBadRequest && (!strings.HasPrefix(contentType, "application/problem+json") || got.code() == "") {
		t.Fatalf("%s %s with body %q answered %d, %s, not a problem document with a code: %s", method, path, body, got.Status, contentType, got.Raw)
	}
	return got
}

// populate makes, over HTTP, tenant acme with owner "owner", active users
// mem (member), adm (admin), mgr (manager), cus (a customer) and lead
// (leader of team crew), and work item job-1 of mem; then the owner logs in.
func (w *fuzzWorld) populate(t testing.TB) {
	t.Helper()
	expect(t, "create acme", w.send(t, "POST", "/v1/tenants", "op-token", obj{"id": "acme", "name": "Acme", "preset": "strict", "seats": 10,
		"owner": obj{"id": "owner", "email": "owner@acme.example", "name": "Olive Owner", "password": fuzzOwnerPassword}}), http.StatusCreated, "")
	for _, u := range []struct{ id, role, kind string }{{"mem", "member", "member"}, {"adm", "admin", "member"},
		{"mgr", "manager", "member"}, {"cus", "member", "customer"}, {"lead", "member", "member"}} {
		expect(t, "invite "+u.id, w.send(t, "POST", "/v1/tenants/acme/users", "op-token", obj{"id": u.id, "email": u.id + "@acme.example",
			"name": "User " + u.id, "role": u.role, "kind": u.kind, "password": u.id + "'s pass phrase", "activate": true}), http.StatusCreated, "")
	}
	expect(t, "define crew", w.send(t, "PUT", "/v1/tenants/acme/teams/crew", "op-token", obj{"name": "Crew", "leader": "lead"}), http.StatusOK, "")
	expect(t, "assign job-1", w.send(t, "PUT", "/v1/tenants/acme/work/job-1", "op-token", obj{"kind": "job", "assignee": "mem"}), http.StatusOK, "")
	w.owner = w.login(t)
	if w.owner == "" {
		t.Fatal("the owner of the fuzz tenant cannot log in")
	}
}

// token is the bearer token that choice picks.
func (w *fuzzWorld) token(t testing.TB, choice uint8) string {
	switch choice % tokenChoices {
	case tokenGarbage:
		return "garbage"
	case tokenUnknownSession:
		return "rst_" + strings.Repeat("A", 43)
	case tokenOperator:
		return "op-token"
	case tokenOwner:
		if w.owner == "" {
			w.owner = w.restoreOwner(t)
		}
		return w.owner
	}
	return ""
}

// login logs the owner in, "" when that is refused.
func (w *fuzzWorld) login(t testing.TB) string {
	return w.send(t, "POST", "/v1/tenants/acme/sessions", "", obj{"email": "owner@acme.example", "password": fuzzOwnerPassword}).str("token")
}

// restoreOwner logs the owner in, first undoing as the operator what
// earlier inputs may have done to them (password, block, deactivation);
// "" when even that fails, and the input then goes without a token.
func (w *fuzzWorld) restoreOwner(t testing.TB) string {
	if token := w.login(t); token != "" {
		return token
	}
	const owner = "/v1/tenants/acme/users/owner"
	w.send(t, "PUT", owner+"/password", "op-token", obj{"password": fuzzOwnerPassword})
	for _, action := range []string{"unblock", "reactivate", "activate"} {
		w.send(t, "POST", owner+"/"+action, "op-token", obj{})
	}
	return w.login(t)
}

// routePath fills pattern's parameters with those target picks.
func routePath(pattern string, target uint8) string {
	pick := func(from []string, shift uint) string { return url.PathEscape(from[int(target>>shift)%len(from)]) }
	return strings.NewReplacer("{tenant}", pick(fuzzTenants, 0), "{user}", pick(fuzzUsers, 2),
		"{team}", pick(fuzzTeams, 5), "{item}", pick(fuzzItems, 6)).Replace(pattern)
}

// headerPairs are the name, value pairs whose value is not empty once
// stripped of the control characters no HTTP client may send.
func headerPairs(nameValues ...string) []string {
	var pairs []string
	for i := 0; i+1 < len(nameValues); i += 2 {
		value := strings.Map(func(r rune) rune {
			if (r < ' ' && r != '\t') || r == 0x7f {
				return -1
			}
			return r
		}, nameValues[i+1])
		if strings.TrimSpace(value) != "" {
			pairs = append(pairs, nameValues[i], value)
		}
	}
	return pairs
}

// fuzzServer runs the services, the projectors and the HTTP surface on a
// fresh database for the whole fuzz run, as serviceOnFreshDatabase does for
// one test, but with login limits that refill every millisecond: the
// fuzzer's wrong passwords would otherwise lock out every later login.
func fuzzServer(t testing.TB) (*wiring.Services, string) {
	t.Helper()
	settings := testAccess
	settings.Limits = sessions.Limits{AccountBurst: 5, AccountEvery: time.Millisecond, AddressBurst: 30, AddressEvery: time.Millisecond}
	svc, server := serviceWith(t, settings)
	return svc, server.URL
}

// writeSeed is a seed input for the fuzz tenant's own path parameters.
type writeSeed struct {
	route, token       uint8
	body, key, ifMatch string
}

// writeSeeds are, per route, a body it accepts and bodies it refuses, plus
// the headers and tokens that change its answer.
var writeSeeds = []writeSeed{
	{0, tokenOperator, `{"id": "beta", "name": "Beta", "preset": "helpdesk", "seats": 3, "policy": {"deletion_allowed": true},
		"owner": {"email": "b@beta.example", "name": "B", "password": "b pass"}}`, "", ""},
	{0, tokenOperator, `{"id": "Not Valid!", "seats": -1, "owner": {}}`, "", ""},
	{0, tokenOwner, `{"id": "gamma", "name": "G", "owner": {"email": "g@g.example", "name": "G", "password": "g"}}`, "", ""},
	{1, tokenNone, `{"email": "owner@acme.example", "password": "owner pass"}`, "", ""},
	{1, tokenNone, `{"email": "owner@acme.example", "password": "wrong"}`, "", ""},
	{1, tokenNone, `{"email": "mem@acme.example", "password": "mem pass", "extra": 1}`, "", ""},
	{2, tokenOperator, `{"token": "rst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, "", ""},
	{2, tokenOwner, `{"token": "garbage"}`, "", ""},
	{2, tokenGarbage, `{}`, "", ""},
	{4, tokenOwner, `{"deletion_allowed": true, "managers_of_users": ["owner", "admin", "manager"]}`, "k-policy", ""},
	{4, tokenOwner, `{"preset": "no-such-preset", "seat_limit": "sometimes"}`, "", ""},
	{5, tokenOwner, `{"seats": 20}`, "", ""},
	{5, tokenOwner, `{"seats": -5}`, "", ""},
	{5, tokenOperator, `{"seats": 1e400}`, "", ""},
	{6, tokenOperator, `{"email": "mem@acme.example"}`, "", ""},
	{6, tokenOwner, `{"email": 5}`, "", ""},
	{7, tokenOwner, `{"email": "new@acme.example", "name": "New", "role": "member", "teams": ["crew"]}`, "k-invite", ""},
	{7, tokenOwner, `{"id": "dup", "email": "mem@acme.example", "name": "Dup", "role": "admin", "kind": "customer", "activate": true}`, "", ""},
	{7, tokenOperator, `{"email": "not-an-email", "name": "", "role": "emperor", "password": ""}`, "", ""},
	{8, tokenOwner, `{"reason": "back"}`, "", `"1"`},
	{8, tokenOwner, `{"reason": "` + strings.Repeat("r", 1001) + `"}`, "", ""},
	{9, tokenOwner, `{"reason": "left", "handoff_to": "unassigned", "allow_reactivation_on_purchase": true}`, "", `"2"`},
	{9, tokenOwner, `{"handoff_to": "nobody"}`, "", `"999"`},
	{10, tokenOwner, `{}`, "", ""},
	{10, tokenOwner, `[]`, "", "not-a-version"},
	{11, tokenOperator, `{"reason": "abuse"}`, "k-block", ""},
	{11, tokenOwner, `{"reason":`, "", ""},
	{12, tokenOperator, `{}`, "", ""},
	{12, tokenOwner, `{"reason": null}`, "", `"-1"`},
	{13, tokenOwner, `{}`, "", ""},
	{13, tokenOwner, `{"x": 1}`, "", ""},
	{14, tokenOwner, `{"role": "admin"}`, "", ""},
	{14, tokenOwner, `{"role": ""}`, "", ""},
	{15, tokenOwner, `{"password": "new pass"}`, "", ""},
	{15, tokenOwner, `{"password": ""}`, "", ""},
	{17, tokenOwner, `{"name": "Crew", "leader": "mem"}`, "", ""},
	{17, tokenOwner, `{"leader": null}`, "", ""},
	{18, tokenOwner, ``, "", ""},
	{18, tokenOwner, `{"x": 1}`, "", ""},
	{19, tokenOwner, ``, "", ""},
	{19, tokenOwner, `null`, "", ""},
	{20, tokenOwner, `{"user": "mem"}`, "", ""},
	{20, tokenOwner, `{"user": null}`, "", ""},
	{20, tokenOwner, `{}`, "", ""},
	{21, tokenOwner, `{"kind": "job", "assignee": "mem"}`, "k-work", ""},
	{21, tokenOwner, `{"kind": "job", "assignee": null}`, "", ""},
	{21, tokenOwner, `{"assignee": "owner", "kind": 7}`, "", ""},
	{22, tokenOwner, `{"from": "mem", "to": "owner", "items": ["job-1"], "reason": "cover"}`, "", ""},
	{22, tokenOwner, `{"from": "mem"}`, "", ""},
	// Last, as they end the owner's session and delete mem:
	{3, tokenOwner, ``, "", ""},
	{3, tokenUnknownSession, `{"x": 1}`, "", ""},
	{16, tokenOwner, `{"reason": "erasure request"}`, "", ""},
	{16, tokenOwner, `{} {}`, "", ""},
}
