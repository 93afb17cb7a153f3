package main

import (
	"fmt"
	"net/http"
	"testing"
)

// The story of the README, over HTTP: the operator creates a tenant, its
// owner logs in, invites and activates a user who logs in; deactivating that
// user kills their token at once; the sole owner cannot be deactivated; the
// Inactive list and the audit trail show what happened.
func TestTheQuickStartStoryOverHTTP(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	created := expect(t, "create tenant", call(t, base, "POST", "/v1/tenants", "op-token", obj{
		"id": "acme", "name": "Acme", "preset": "helpdesk", "seats": 5,
		"owner": obj{"email": "olive@acme.example", "name": "Olive Owner", "password": "correct horse"}}), http.StatusCreated, "")
	owner := created.Body["owner"].(map[string]any)
	if owner["email"] != "olive@acme.example" || owner["role"] != "owner" || owner["status"] != "active" || created.str("position") == "" {
		t.Fatalf("created: %s", created.Raw)
	}
	at := "?min_position=" + created.str("position")
	readTenant := expect(t, "read the tenant", call(t, base, "GET", "/v1/tenants/acme"+at, "op-token", nil), http.StatusOK, "")
	if want, got := fmt.Sprint(created.Body["tenant"]), fmt.Sprint(readTenant.Body); got != want {
		t.Fatalf("the tenant as written %s\nand as read %s", want, got)
	}
	readOwner := expect(t, "read the owner", call(t, base, "GET", "/v1/tenants/acme/users/"+owner["id"].(string)+at, "op-token", nil), http.StatusOK, "")
	if want, got := fmt.Sprint(owner), fmt.Sprint(readOwner.Body); got != want {
		t.Fatalf("the owner as written %s\nand as read %s", want, got)
	}
	login := expect(t, "owner login", call(t, base, "POST", "/v1/tenants/acme/sessions", "", obj{
		"email": "Olive@ACME.example", "password": "correct horse"}), http.StatusCreated, "")
	ownerToken := login.str("token")

	invited := expect(t, "invite", call(t, base, "POST", "/v1/tenants/acme/users", ownerToken, obj{
		"id": "ann", "email": "ann@acme.example", "name": "Ann Able", "role": "member", "password": "ann's secret"}), http.StatusCreated, "")
	if invited.str("status") != "invited" || invited.Body["changed"] != true {
		t.Fatalf("invited: %s", invited.Raw)
	}
	activated := expect(t, "activate", call(t, base, "POST", "/v1/tenants/acme/users/ann/activate", ownerToken, nil), http.StatusOK, "")
	annToken := expect(t, "ann login", call(t, base, "POST", "/v1/tenants/acme/sessions", "", obj{
		"email": "ann@acme.example", "password": "ann's secret"}), http.StatusCreated, "").str("token")
	expect(t, "ann reads herself", call(t, base, "GET", "/v1/tenants/acme/users/ann?min_position="+activated.str("position"), annToken, nil), http.StatusOK, "")

	gone := expect(t, "deactivate", call(t, base, "POST", "/v1/tenants/acme/users/ann/deactivate", ownerToken, obj{"reason": "left the company"}), http.StatusOK, "")
	if gone.str("status") != "inactive" || gone.Body["can_login"] != false {
		t.Fatalf("deactivated: %s", gone.Raw)
	}
	expect(t, "ann's token after deactivation", call(t, base, "GET", "/v1/tenants/acme/users/ann", annToken, nil), http.StatusUnauthorized, "unauthenticated")
	expect(t, "ann logs in again", call(t, base, "POST", "/v1/tenants/acme/sessions", "", obj{
		"email": "ann@acme.example", "password": "ann's secret"}), http.StatusForbidden, "login_forbidden")
	expect(t, "deactivate the sole owner", call(t, base, "POST", "/v1/tenants/acme/users/"+owner["id"].(string)+"/deactivate", ownerToken, nil), http.StatusConflict, "sole_owner")

	at = "&min_position=" + gone.str("position")
	inactive := expect(t, "inactive list", call(t, base, "GET", "/v1/tenants/acme/users?status=inactive"+at, ownerToken, nil), http.StatusOK, "")
	if items := inactive.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != "ann" {
		t.Fatalf("inactive: %s", inactive.Raw)
	}
	trail := expect(t, "audit", call(t, base, "GET", "/v1/tenants/acme/audit?target=ann"+at, ownerToken, nil), http.StatusOK, "")
	var actions []string
	for _, it := range trail.Body["items"].([]any) {
		actions = append(actions, it.(map[string]any)["action"].(string))
	}
	// Ann's login is in her trail: automatic deactivation counts from it.
	if want := "[UserInvited UserActivated UserLoggedIn UserDeactivated SessionsRevoked]"; fmt.Sprint(actions) != want {
		t.Fatalf("audit of ann: %v, want %s", actions, want)
	}
}
