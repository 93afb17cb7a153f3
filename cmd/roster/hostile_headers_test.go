package main

import (
	"net/http"
	"strings"
	"testing"
)

// The headers a write takes beside its body — Idempotency-Key, stored with
// the outcome, and If-Match, compared with a version — at their limits: a
// 10 kB key, one character too long, one that is not printable ASCII, the
// longest kept, the largest version and one past it. Each is refused with 400 naming the header, or compared as the
// number it is; none answers 500, and the tenant goes on serving.
func TestHostileIdempotencyKeysAndIfMatchVersionsAreRefusedOrComparedNeverA500(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	httpUser(t, base, "acme", "mo", "member", "member")
	block := "/v1/tenants/acme/users/mo/block"
	for name, key := range map[string]string{
		"10 kB":        strings.Repeat("k", 10_000),
		"one too long": strings.Repeat("k", 129),
		"not ASCII":    "clé-1",
		"with a tab":   "k\t1",
	} {
		got := expect(t, "Idempotency-Key "+name, call(t, base, "POST", block, boss, obj{"reason": "key " + name}, "Idempotency-Key", key),
			http.StatusBadRequest, "invalid")
		if field := got.str("field"); field != "Idempotency-Key" {
			t.Errorf("Idempotency-Key %s: field %q, want Idempotency-Key", name, field)
		}
	}
	kept := expect(t, "the longest Idempotency-Key kept", call(t, base, "POST", block, boss, obj{"reason": "longest key"},
		"Idempotency-Key", strings.Repeat("k", 128)), http.StatusOK, "")
	expect(t, "If-Match the largest version", call(t, base, "POST", "/v1/tenants/acme/users/mo/unblock", boss, nil,
		"If-Match", `"9223372036854775807"`), http.StatusPreconditionFailed, "version_mismatch")
	got := expect(t, "If-Match one past the largest version", call(t, base, "POST", "/v1/tenants/acme/users/mo/unblock", boss, nil,
		"If-Match", `"9223372036854775808"`), http.StatusBadRequest, "invalid")
	if got.str("field") != "If-Match" {
		t.Errorf("If-Match past the largest version: field %q, want If-Match", got.str("field"))
	}
	// Read once the read model has the block (a read without min_position
	// may come before the projector).
	expect(t, "the tenant goes on", call(t, base, "GET", "/v1/tenants/acme/users/mo?min_position="+kept.str("position"), boss, nil), http.StatusOK, "")
}
