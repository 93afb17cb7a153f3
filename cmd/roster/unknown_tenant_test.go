package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// A finding of issue 14: every read and write under the path of a tenant
// that does not exist answers 404 not_found for the operator too, as it
// does for a session of another tenant — never an empty list, a refusal
// of the body or another code. Login, which takes no token, is not the
// operator's and answers as ever (invalid_credentials: it says nothing of
// which tenants exist).
func TestEveryPathOfATenantThatDoesNotExistAnswersNotFoundForTheOperator(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	httpTenant(t, server.URL, "acme", "strict", 5, nil)
	checked := 0
	for _, op := range routedOperations(t, server.Config.Handler.(chi.Routes)) {
		method, pattern, _ := strings.Cut(op, " ")
		if !strings.HasPrefix(pattern, "/v1/tenants/{tenant}") || op == "POST /v1/tenants/{tenant}/sessions" {
			continue
		}
		path := strings.Replace(fill(pattern, "", ""), "/acme", "/nosuch", 1)
		got := call(t, server.URL, method, path, "op-token", unknownTenantBodies[op])
		if got.Status != http.StatusNotFound || got.code() != "not_found" {
			t.Errorf("%s %s as the operator: %d %.300s, want 404 not_found", method, path, got.Status, got.Raw)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d routes under /v1/tenants/{tenant} were checked", checked)
	}
}

// unknownTenantBodies are bodies each write would accept in a tenant that
// exists, so that only the tenant is wrong.
var unknownTenantBodies = map[string]any{
	"PATCH /v1/tenants/{tenant}/policy":                       obj{"deletion_allowed": true},
	"PUT /v1/tenants/{tenant}/seats":                          obj{"seats": 10},
	"POST /v1/tenants/{tenant}/purchases":                     obj{"email": "someone@nosuch.example"},
	"POST /v1/tenants/{tenant}/users":                         obj{"email": "new@nosuch.example", "name": "New", "role": "member"},
	"POST /v1/tenants/{tenant}/users/{user}/deactivate":       obj{"reason": "r"},
	"PUT /v1/tenants/{tenant}/users/{user}/role":              obj{"role": "manager"},
	"PUT /v1/tenants/{tenant}/users/{user}/password":          obj{"password": "a long new password"},
	"PUT /v1/tenants/{tenant}/teams/{team}":                   obj{"name": "Red"},
	"PUT /v1/tenants/{tenant}/teams/{team}/leader":            obj{"user": nil},
	"PUT /v1/tenants/{tenant}/work/{item}":                    obj{"kind": "job", "assignee": nil},
	"POST /v1/tenants/{tenant}/ownership-transfers":           obj{"from": "boss", "to": "unassigned"},
	"DELETE /v1/tenants/{tenant}/users/{user}":                obj{"reason": "r"},
	"POST /v1/tenants/{tenant}/users/{user}/revoke-sessions":  obj{"reason": "r"},
	"DELETE /v1/tenants/{tenant}/teams/{team}/members/{user}": nil,
}

// A tenant is known to exist the moment its creation has answered: the
// check reads the event store, not a read model that may lag.
func TestATenantJustCreatedIsFoundAtOnce(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	for _, id := range []string{"fresh-1", "fresh-2", "fresh-3"} {
		expect(t, "create "+id, call(t, base, "POST", "/v1/tenants", "op-token", obj{"id": id, "name": id, "seats": 3,
			"owner": obj{"id": "boss", "email": "boss@" + id + ".example", "name": "Boss", "password": passwordOf("boss")}}), http.StatusCreated, "")
		expect(t, "invite into "+id, call(t, base, "POST", "/v1/tenants/"+id+"/users", "op-token",
			obj{"id": "ann", "email": "ann@" + id + ".example", "name": "Ann", "role": "member"}), http.StatusCreated, "")
		expect(t, "list the users of "+id, call(t, base, "GET", "/v1/tenants/"+url.PathEscape(id)+"/users", "op-token", nil), http.StatusOK, "")
	}
}
