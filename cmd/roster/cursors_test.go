package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/readapi"
)

// cursorLists are the list endpoints of one tenant, each with the kind of
// cursor it gives out: the audit trail and a user's history page through
// the same trail.
var cursorLists = map[string]string{
	"/v1/tenants/acme/users":              "users",
	"/v1/tenants/acme/work":               "work",
	"/v1/tenants/acme/audit":              "trail",
	"/v1/tenants/acme/users/boss/history": "trail",
}

// A finding of issue 14: a cursor this API did not give out for that list
// answers 400 invalid naming "cursor" on every list — not a page that
// starts anywhere — whether it is not a cursor at all or another list's;
// the list's own next_cursor still leads to the next page. (The audit
// trail's cursors are the positions of its entries, so any well-formed
// position is one.)
func TestEveryListRefusesACursorItDidNotGiveOut(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	httpTenant(t, base, "acme", "strict", 5, nil)
	httpUser(t, base, "acme", "mo", "member", "member")
	var at string
	for _, item := range []string{"job-1", "job-2"} {
		at = expect(t, "assign "+item, call(t, base, "PUT", "/v1/tenants/acme/work/"+item, "op-token", obj{"kind": "job", "assignee": "mo"}),
			http.StatusOK, "").str("position")
	}
	requireEveryCursorListIsHere(t)
	given := map[string]string{}
	for list, kind := range cursorLists {
		first := expect(t, "first page of "+list, call(t, base, "GET", list+"?limit=1&min_position="+url.QueryEscape(at), "op-token", nil), http.StatusOK, "")
		if given[kind] = first.str("next_cursor"); given[kind] == "" {
			t.Fatalf("%s gave no next_cursor after one item: %s", list, first.Raw)
		}
		expect(t, "next page of "+list, call(t, base, "GET", list+"?limit=1&cursor="+url.QueryEscape(given[kind]), "op-token", nil), http.StatusOK, "")
	}
	for list, kind := range cursorLists {
		bad := []string{"nope", "!!", "bW8", "users:mo", "mo", "12-", "-3", "x-3"}
		if kind != "trail" {
			bad = append(bad, "12-3") // a trail's cursor is an entry's position: this one is well formed
		}
		for other, cursor := range given {
			if other != kind {
				bad = append(bad, cursor)
			}
		}
		for _, cursor := range bad {
			got := call(t, base, "GET", list+"?cursor="+url.QueryEscape(cursor), "op-token", nil)
			expectInvalidParam(t, "GET "+list+" with cursor "+cursor, got, "cursor")
		}
	}
}

// requireEveryCursorListIsHere fails when a read route takes a cursor that
// cursorLists does not list (the OpenAPI test holds the routes to
// readapi.QueryParameters).
func requireEveryCursorListIsHere(t *testing.T) {
	t.Helper()
	var patterns []string
	for list := range cursorLists {
		patterns = append(patterns, strings.NewReplacer("/acme", "/{tenant}", "/boss", "/{user}").Replace(list))
	}
	for op, params := range readapi.QueryParameters() {
		_, pattern, _ := strings.Cut(op, " ")
		if slices.Contains(params, "cursor") && !slices.Contains(patterns, pattern) {
			t.Errorf("%s takes a cursor, but this test does not check it", op)
		}
	}
}
