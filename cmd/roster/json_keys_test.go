package main

import (
	"net/http"
	"net/url"
	"testing"
)

// The findings of issue 14, over HTTP: "Role" for "role" and a key given
// twice are refused 400 invalid naming the key, on every kind of write
// (a command, tenant creation, login) — never taken for the key the
// contract names, nor read as the last of two values.
func TestAWriteWhoseKeysDoNotMatchExactlyIsRefusedNamingTheKey(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	at := httpUser(t, base, "acme", "mo", "member", "member").str("position")
	for _, c := range []struct{ name, method, path, token, body, field string }{
		{"Role_for_role", "POST", "/v1/tenants/acme/users", boss, `{"email": "eve@acme.example", "name": "Eve", "Role": "owner"}`, "Role"},
		{"role_twice", "PUT", "/v1/tenants/acme/users/mo/role", boss, `{"role": "member", "role": "owner"}`, "role"},
		{"nested_Name", "POST", "/v1/tenants", "op-token",
			`{"id": "globex", "name": "Globex", "seats": 3, "owner": {"email": "o@globex.example", "Name": "O", "password": "a long password"}}`, "owner.Name"},
		{"nested_name_twice", "POST", "/v1/tenants", "op-token",
			`{"id": "globex", "name": "Globex", "seats": 3, "owner": {"email": "o@globex.example", "name": "O", "name": "P", "password": "a long password"}}`, "owner.name"},
		{"login_EMAIL", "POST", "/v1/tenants/acme/sessions", "", `{"EMAIL": "boss@acme.example", "password": "boss pw"}`, "EMAIL"},
		{"reason_twice", "POST", "/v1/tenants/acme/users/mo/block", boss, `{"reason": "one", "reason": "two"}`, "reason"},
	} {
		t.Run(c.name, func(t *testing.T) {
			expectInvalidParam(t, c.method+" "+c.path, call(t, base, c.method, c.path, c.token, c.body), c.field)
		})
	}
	mo := expect(t, "read mo", call(t, base, "GET", "/v1/tenants/acme/users/mo?min_position="+url.QueryEscape(at), boss, nil), http.StatusOK, "")
	if mo.str("role") != "member" || mo.str("status") != "active" {
		t.Errorf("a refused write changed mo: %s", mo.Raw)
	}
}
