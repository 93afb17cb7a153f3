package main

import (
	"net/http"
	"net/url"
	"testing"
)

// A finding of issue 14: an Idempotency-Key is the caller's, not the whole
// tenant's. Two callers (the owner and an admin, or the operator and the
// owner) who happen to send the same key never see each other's outcome:
// not as a replay of the other's answer, nor as 422 idempotency_key_reused,
// and each one's command is carried out; each caller's own repeat still
// replays their first answer and appends nothing.
func TestCallersWhoSendTheSameIdempotencyKeyNeverSeeEachOthersOutcome(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "adam", "admin", "member")
	httpUser(t, base, "acme", "mo", "member", "member")
	adam := expect(t, "adam logs in", call(t, base, "POST", "/v1/tenants/acme/sessions", "", obj{"email": "adam@acme.example", "password": passwordOf("adam")}),
		http.StatusCreated, "").str("token")
	keyed := func(token, method, path string, body any, key string) reply {
		return call(t, base, method, path, token, body, "Idempotency-Key", key)
	}

	// Another request under the same key: carried out, not refused as a reuse.
	expect(t, "boss blocks mo", keyed(boss, "POST", "/v1/tenants/acme/users/mo/block", obj{"reason": "r"}, "k-1"), http.StatusOK, "")
	unblocked := expect(t, "adam unblocks mo under boss's key", keyed(adam, "POST", "/v1/tenants/acme/users/mo/unblock", obj{"reason": "r"}, "k-1"),
		http.StatusOK, "")
	if unblocked.str("status") != "active" || unblocked.Body["changed"] != true {
		t.Errorf("adam's unblock under boss's key: %s", unblocked.Raw)
	}

	// The same request under the same key: each caller's own, carried out.
	invite := obj{"email": "eve@acme.example", "name": "Eve", "role": "member"}
	first := expect(t, "boss invites eve", keyed(boss, "POST", "/v1/tenants/acme/users", invite, "k-2"), http.StatusCreated, "")
	expect(t, "adam sends the same invitation under the same key", keyed(adam, "POST", "/v1/tenants/acme/users", invite, "k-2"),
		http.StatusConflict, "email_taken")
	expect(t, "the operator sends it too", keyed("op-token", "POST", "/v1/tenants/acme/users", invite, "k-2"),
		http.StatusConflict, "email_taken")

	// Each caller's repeat replays their own first answer.
	again := expect(t, "boss repeats the invitation", keyed(boss, "POST", "/v1/tenants/acme/users", invite, "k-2"), http.StatusCreated, "")
	if again.str("id") != first.str("id") || again.str("position") != first.str("position") {
		t.Errorf("boss's repeat answered %s, want his first answer %s", again.Raw, first.Raw)
	}
	expect(t, "adam repeats his unblock", keyed(adam, "POST", "/v1/tenants/acme/users/mo/unblock", obj{"reason": "r"}, "k-1"), http.StatusOK, "")
	expect(t, "boss repeats his block", keyed(boss, "POST", "/v1/tenants/acme/users/mo/block", obj{"reason": "r"}, "k-1"), http.StatusOK, "")
	// A write after the repeats: the history read waits for it, so a repeat
	// that wrongly stored a second block would be in the history read.
	after := httpUser(t, base, "acme", "zed", "member", "member").str("position")
	mo := expect(t, "read mo", call(t, base, "GET", "/v1/tenants/acme/users/mo/history?min_position="+url.QueryEscape(after), boss, nil),
		http.StatusOK, "")
	if n := countActions(mo, "UserBlocked"); n != 1 {
		t.Errorf("mo was blocked %d times, want once (the repeats append nothing; history %s)", n, mo.Raw)
	}
	if countActions(mo, "UserUnblocked") != 1 {
		t.Errorf("mo's history has no single unblock: %s", mo.Raw)
	}
}

// countActions counts a history's entries of action.
func countActions(history reply, action string) int {
	items, _ := history.Body["items"].([]any)
	n := 0
	for _, it := range items {
		if e, _ := it.(map[string]any); e["action"] == action {
			n++
		}
	}
	return n
}
