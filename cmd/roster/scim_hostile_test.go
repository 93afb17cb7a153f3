package main

import (
	"net/http"
	"strings"
	"testing"
)

// Whatever a SCIM client sends that Roster may not keep exactly as sent
// (NUL and control characters, invalid UTF-8, a lone surrogate escape,
// text longer than its field, paging numbers out of range) is refused with
// 400 in SCIM's format, never a 500 and never stored altered; the tenant
// goes on serving.
func TestScimRefusesHostileValuesAndStoresNothing(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	good := `{"schemas":["` + userSchema + `"],"userName":"ann@acme.example","active":true,`
	bodies := map[string]string{
		"a NUL in displayName":                     good + `"displayName":"Ann\u0000Smith"}`,
		"a NUL in externalId":                      good + `"externalId":"00u\u00001"}`,
		"a control character in the given name":    good + `"name":{"givenName":"A\u0007nn"}}`,
		"invalid UTF-8 in displayName":             good + "\"displayName\":\"Ann \xff\xfe\"}",
		"a lone surrogate escape in displayName":   good + `"displayName":"Ann \ud800"}`,
		"a displayName of 10 kB":                   good + `"displayName":"` + strings.Repeat("a", 10_000) + `"}`,
		"an externalId of 10 kB":                   good + `"externalId":"` + strings.Repeat("x", 10_000) + `"}`,
		"a userName of 10 kB":                      `{"schemas":["` + userSchema + `"],"userName":"` + strings.Repeat("a", 10_000) + `@acme.example"}`,
		"a NUL in userName":                        `{"schemas":["` + userSchema + `"],"userName":"ann\u0000@acme.example"}`,
		"invalid UTF-8 in the name of a new group": `{"schemas":["` + groupSchema + "\"],\"displayName\":\"Ops \xc3\"}",
	}
	for what, body := range bodies {
		path := "/Users"
		if strings.Contains(what, "group") {
			path = "/Groups"
		}
		s.want(what, s.do("POST", path, body), http.StatusBadRequest)
	}
	for _, query := range []string{"startIndex=99999999999999999999", "count=99999999999999999999", "startIndex=-1&count=-5", "count=abc"} {
		r := s.do("GET", "/Users?"+query, nil)
		if r.Status != http.StatusOK && r.Status != http.StatusBadRequest {
			t.Fatalf("GET /Users?%s: %d %.300s, want 200 or 400", query, r.Status, r.Raw)
		}
	}
	// The JSON API's lists, once the read models have applied everything
	// SCIM did: the owner alone, and no team but the sync point.
	users := expect(t, "the users after the refusals", call(t, server.URL, "GET", "/v1/tenants/acme/users?min_position="+s.position(), "op-token", nil),
		http.StatusOK, "")
	if items, _ := users.Body["items"].([]any); len(items) != 1 {
		t.Fatalf("something hostile was stored: %s", users.Raw)
	}
	teams := expect(t, "the teams after the refusals", call(t, server.URL, "GET", "/v1/tenants/acme/teams?min_position="+s.position(), "op-token", nil),
		http.StatusOK, "")
	if items, _ := teams.Body["items"].([]any); len(items) != 1 {
		t.Fatalf("a hostile group was stored: %s", teams.Raw)
	}
	s.want("a good user after the refusals", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Smith", true)), http.StatusCreated)
}
