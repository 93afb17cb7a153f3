package main

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/infra/webhookapi"
	"github.com/rosterhq/roster/readapi"
)

// The two requests of issue 13 that once stopped a projector for every
// tenant for good are refused as invalid input naming their field, and
// afterwards every tenant is still projected: a user invited in another
// tenant, and a tenant created later, read back at their commands' position.
func TestTheRequestsThatOncePoisonedAReadModelAreRefusedAndEveryTenantIsStillProjected(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	acme := httpTenant(t, base, "acme", "strict", 5, nil)
	httpTenant(t, base, "globex", "strict", 5, nil)
	for i, c := range []struct{ name, method, path, body, field string }{
		{"seats_beyond_what_an_integer_column_holds", "PUT", "/v1/tenants/acme/seats", `{"seats": 2147483648}`, "seats"},
		{"a_user_named_with_a_nul", "POST", "/v1/tenants/acme/users", `{"email": "nul@acme.example", "name": "A\u0000B", "role": "member"}`, "name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			refused := expect(t, c.name, call(t, base, c.method, c.path, acme, c.body), http.StatusBadRequest, "invalid")
			if refused.str("field") != c.field {
				t.Errorf("the refusal names field %q, want %q: %s", refused.str("field"), c.field, refused.Raw)
			}
			id := fmt.Sprintf("zoe-%d", i)
			invited := expect(t, "invite in globex", call(t, base, "POST", "/v1/tenants/globex/users", "op-token",
				obj{"id": id, "email": id + "@globex.example", "name": "Zoe", "role": "member"}), http.StatusCreated, "")
			read := expect(t, "read her at her position", call(t, base, "GET", "/v1/tenants/globex/users/"+id+"?min_position="+invited.str("position"),
				"op-token", nil), http.StatusOK, "")
			if read.str("id") != id || read.str("name") != "Zoe" {
				t.Fatalf("read back %s", read.Raw)
			}
		})
	}
	created := expect(t, "a tenant created afterwards", call(t, base, "POST", "/v1/tenants", "op-token", obj{"id": "initech", "name": "Initech",
		"seats": 3, "owner": obj{"email": "o@initech.example", "name": "O", "password": "owner pass phrase"}}), http.StatusCreated, "")
	expect(t, "read it at its position", call(t, base, "GET", "/v1/tenants/initech?min_position="+created.str("position"), "op-token", nil), http.StatusOK, "")
}

// hostileValues are what every path id and query parameter is fed: a NUL,
// a byte that is not UTF-8, and a 100 kB value (of a letter every id
// alphabet allows, so that only its length is wrong).
var hostileValues = map[string]string{"nul": "%00", "not_utf8": "%ff", "100_kB": strings.Repeat("a", 100_000)}

// pathExamples are well-formed values of every path parameter, used for
// the parameters not under test.
var pathExamples = map[string]string{"tenant": "acme", "user": "boss", "team": "red", "item": "job-1", "name": "users_v2", "connection": "scim-okta",
	"webhook": "01234567-89ab-7def-8123-456789abcdef"}

// routedOperations lists "METHOD pattern" for every route of the server's
// router, as chi.Walk finds them.
func routedOperations(t *testing.T, routes chi.Routes) []string {
	t.Helper()
	var ops []string
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if outsideTheJSONAPI(route) {
			return nil
		}
		ops = append(ops, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ops)
	return ops
}

// outsideTheJSONAPI reports whether route serves a contract other than the
// JSON API's: the admin console's HTML pages (a client of the API,
// console_test.go tests them) and the SCIM 2.0 base URLs (RFC 7644's
// contract, which describes itself at /ServiceProviderConfig, /Schemas and
// /ResourceTypes, takes SCIM connection tokens only and answers in SCIM's
// error format; scim_*_test.go test them).
func outsideTheJSONAPI(route string) bool {
	return route == "/console" || strings.HasPrefix(route, "/console/") || strings.Contains(route, "/scim/v2")
}

// parametersOf returns the documented path and query parameters of an
// operation: every route must be documented (TestOpenAPIDocumentMatchesTheCode).
func parametersOf(t *testing.T, doc *openapi3.T, method, pattern string) (path, query []string) {
	t.Helper()
	item := doc.Paths.Value(pattern)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s is routed but not documented", method, pattern)
	}
	params := append(slices.Clone(item.Parameters), item.GetOperation(method).Parameters...)
	for _, p := range params {
		switch p.Value.In {
		case openapi3.ParameterInPath:
			path = append(path, p.Value.Name)
		case openapi3.ParameterInQuery:
			query = append(query, p.Value.Name)
		}
	}
	return path, query
}

// fill writes pattern with the example of each path parameter, except
// param, which gets value (already escaped for a URL path).
func fill(pattern, param, value string) string {
	for name, example := range pathExamples {
		if name == param {
			example = value
		}
		pattern = strings.ReplaceAll(pattern, "{"+name+"}", example)
	}
	return pattern
}

// callers are who sends each hostile request: the operator, and, on a
// tenant's paths, a session of that tenant (its owner). Neither may learn
// more from a malformed request than that it is malformed.
func callers(pattern, session string) map[string]string {
	if strings.Contains(pattern, "{tenant}") {
		return map[string]string{"operator": "op-token", "session": session}
	}
	return map[string]string{"operator": "op-token"}
}

// expectInvalidParam fails unless r is 400 invalid naming field.
func expectInvalidParam(t *testing.T, what string, r reply, field string) {
	t.Helper()
	if r.Status != http.StatusBadRequest || r.code() != "invalid" || r.str("field") != field {
		t.Errorf("%s: got %d %.300s, want 400 invalid naming %q", what, r.Status, r.Raw, field)
	}
}

// Every query parameter and path id of every read endpoint, fed a NUL, a
// byte that is not UTF-8 or a 100 kB value, is refused as invalid naming
// that parameter, for the operator and for a session of the tenant alike.
// The endpoints come from the router and their parameters from the OpenAPI
// document, which must list exactly the parameters the read API checks: a
// new endpoint or parameter cannot be left out.
func TestEveryReadParameterAndPathIDRefusesHostileValuesAsInvalid(t *testing.T) {
	t.Parallel()
	doc, server := openAPI(t)
	owner := httpTenant(t, server.URL, "acme", "strict", 5, nil)
	checked := readapi.QueryParameters()
	maps.Copy(checked, webhookapi.QueryParameters())
	for _, op := range routedOperations(t, server.Config.Handler.(chi.Routes)) {
		method, pattern, _ := strings.Cut(op, " ")
		if method != http.MethodGet || !strings.HasPrefix(pattern, "/v1/") || pattern == "/v1/openapi.json" {
			continue
		}
		pathParams, queryParams := parametersOf(t, doc, method, pattern)
		if got := checked[op]; !slices.Equal(sorted(got), sorted(queryParams)) {
			t.Errorf("%s: the document lists query parameters %v, the read API checks %v", op, sorted(queryParams), sorted(got))
		}
		for who, token := range callers(pattern, owner) {
			for kind, value := range hostileValues {
				for _, p := range pathParams {
					r := call(t, server.URL, method, fill(pattern, p, value), token, nil)
					expectInvalidParam(t, fmt.Sprintf("%s with path %s %s as the %s", op, p, kind, who), r, p)
				}
				for _, p := range queryParams {
					r := call(t, server.URL, method, fill(pattern, "", "")+"?"+p+"="+value, token, nil)
					expectInvalidParam(t, fmt.Sprintf("%s with query %s %s as the %s", op, p, kind, who), r, p)
				}
			}
		}
	}
}

// Every path id of every write endpoint (and of login and the operator's
// rebuild), fed the same hostile values, is refused as invalid naming it,
// before the body is read or any command is run.
func TestEveryWritePathIDRefusesHostileValuesAsInvalid(t *testing.T) {
	t.Parallel()
	doc, server := openAPI(t)
	owner := httpTenant(t, server.URL, "acme", "strict", 5, nil)
	for _, op := range routedOperations(t, server.Config.Handler.(chi.Routes)) {
		method, pattern, _ := strings.Cut(op, " ")
		if method == http.MethodGet {
			continue
		}
		pathParams, _ := parametersOf(t, doc, method, pattern)
		for who, token := range callers(pattern, owner) {
			for kind, value := range hostileValues {
				for _, p := range pathParams {
					r := call(t, server.URL, method, fill(pattern, p, value), token, obj{})
					expectInvalidParam(t, fmt.Sprintf("%s with path %s %s as the %s", op, p, kind, who), r, p)
				}
			}
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// hostileText is text no field may hold, each sent as raw JSON so that
// escapes reach the server as written: control characters (NUL, C0, DEL,
// C1), a byte that is not UTF-8, and lone UTF-16 surrogates, which Go's
// encoding/json would silently store as U+FFFD.
var hostileText = map[string]string{
	"nul": `A\u0000B`, "escape": `A\u001bB`, "del": `A\u007fB`, "c1_next_line": `A\u0085B`,
	"not_utf8": "A\xffB", "lone_high_surrogate": `A\ud800B`, "lone_low_surrogate": `A\udc00B`,
}

// textField is one text field of a write body: where it is sent, the body
// around it ({v} is the value, inside quotes; {n} numbers what an accepted
// request creates, in the path and the body) and its maximum length in
// characters (code points).
type textField struct {
	field, method, path, body string
	max                       int
}

// textFields are the text fields the write API stores.
var textFields = []textField{
	{"name", "POST", "/v1/tenants", `{"id": "t-{n}", "name": "{v}", "seats": 3, "owner": {"email": "o@t.example", "name": "O", "password": "owner pass phrase"}}`, 200},
	{"owner.name", "POST", "/v1/tenants", `{"id": "t-{n}", "name": "T", "seats": 3, "owner": {"email": "o@t.example", "name": "{v}", "password": "owner pass phrase"}}`, 200},
	{"name", "POST", "/v1/tenants/acme/users", `{"id": "u-{n}", "email": "u{n}@acme.example", "name": "{v}", "role": "member"}`, 200},
	{"name", "PUT", "/v1/tenants/acme/teams/team-{n}", `{"name": "{v}"}`, 200},
	{"kind", "PUT", "/v1/tenants/acme/work/job-{n}", `{"kind": "{v}", "assignee": null}`, 64},
	{"reason", "POST", "/v1/tenants/acme/users/mo/revoke-sessions", `{"reason": "{v}"}`, 1000},
	{"reason", "POST", "/v1/tenants/acme/users/mo/block", `{"reason": "{v}"}`, 1000},
	{"reason", "POST", "/v1/tenants/acme/ownership-transfers", `{"from": "mo", "to": "unassigned", "reason": "{v}"}`, 1000},
}

// request renders f's path and body with value, numbered n.
func (f textField) request(n int, value string) (path, body string) {
	number := strconv.Itoa(n)
	path = strings.ReplaceAll(f.path, "{n}", number)
	body = strings.Replace(strings.ReplaceAll(f.body, "{n}", number), "{v}", value, 1)
	return path, body
}

// Every text field of the write API refuses control characters, bytes that
// are not UTF-8, lone surrogate escapes and one character too many as
// invalid naming the field, and accepts exactly its maximum of astral-plane
// characters and right-to-left marks, which every read model then holds:
// each one's reads reach the last accepted write.
func TestEveryWrittenTextFieldRefusesWhatItCannotStoreAsSent(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	httpUser(t, base, "acme", "mo", "member", "member")
	n, last := 0, ""
	send := func(f textField, value string) reply {
		n++
		path, body := f.request(n, value)
		token := boss
		if f.path == "/v1/tenants" {
			token = "op-token"
		}
		return call(t, base, f.method, path, token, body)
	}
	for _, f := range textFields {
		for kind, value := range hostileText {
			expectInvalidParam(t, fmt.Sprintf("%s %s %s", f.method, f.path, kind), send(f, value), f.field)
		}
		tooLong := strings.Repeat("é", f.max+1)
		expectInvalidParam(t, fmt.Sprintf("%s %s one character too many", f.method, f.path), send(f, tooLong), f.field)
		longest := "\u200f" + strings.Repeat("😀", f.max-1) // a right-to-left mark, then astral-plane characters
		r := send(f, longest)
		if r.Status >= 300 {
			t.Errorf("%s %s with %d characters (%d bytes): %d %.300s, want it accepted", f.method, f.path, f.max, len(longest), r.Status, r.Raw)
		}
		last = cmp.Or(r.str("position"), last)
	}
	for _, read := range []string{"", "/users", "/teams", "/work", "/audit", "/audit?format=csv&"} {
		path := "/v1/tenants/acme" + read
		if !strings.HasSuffix(path, "&") {
			path += "?"
		}
		expect(t, "GET "+path, call(t, base, "GET", path+"min_position="+url.QueryEscape(last), boss, nil), http.StatusOK, "")
	}
}

// A team's name and a work item's kind read back exactly as written, at the
// limit, with characters from beyond the Basic Multilingual Plane.
func TestTextAcceptedAtItsLimitReadsBackAsWritten(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	name := "\u202eRTL " + strings.Repeat("𝄞", 195)
	expect(t, "define the team", call(t, base, "PUT", "/v1/tenants/acme/teams/red", boss, obj{"name": name}), http.StatusOK, "")
	kind := strings.Repeat("工", 64)
	at := expect(t, "assign work", call(t, base, "PUT", "/v1/tenants/acme/work/job-1", boss, obj{"kind": kind, "assignee": nil}), http.StatusOK, "").str("position")
	teams := expect(t, "list teams", call(t, base, "GET", "/v1/tenants/acme/teams?min_position="+url.QueryEscape(at), boss, nil), http.StatusOK, "")
	if got := teams.Body["items"].([]any)[0].(map[string]any)["name"]; got != name {
		t.Errorf("the team's name reads back as %q, want %q", got, name)
	}
	work := expect(t, "list work", call(t, base, "GET", "/v1/tenants/acme/work?kind="+url.QueryEscape(kind)+"&min_position="+url.QueryEscape(at), boss, nil), http.StatusOK, "")
	if items := work.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["kind"] != kind {
		t.Errorf("the work item reads back as %s, want kind %q", work.Raw, kind)
	}
}

// Nobody is said with null (or "unassigned" for work): an empty string is no
// user id, and is refused naming its field rather than read as nobody.
func TestAnEmptyUserIDIsRefusedRatherThanTakenForNobody(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	expect(t, "define red led by boss", call(t, base, "PUT", "/v1/tenants/acme/teams/red", boss, obj{"name": "Red", "leader": "boss"}), http.StatusOK, "")
	for _, c := range []struct{ what, method, path, field string }{
		{`{"name": "Red", "leader": ""}`, "PUT", "/v1/tenants/acme/teams/red", "leader"},
		{`{"user": ""}`, "PUT", "/v1/tenants/acme/teams/red/leader", "user"},
		{`{"kind": "job", "assignee": ""}`, "PUT", "/v1/tenants/acme/work/job-1", "assignee"},
		{`{"handoff_to": ""}`, "POST", "/v1/tenants/acme/users/boss/deactivate", "handoff_to"},
		{`{"from": "boss", "to": ""}`, "POST", "/v1/tenants/acme/ownership-transfers", "to"},
		{`{"from": "", "to": "unassigned"}`, "POST", "/v1/tenants/acme/ownership-transfers", "from"},
	} {
		expectInvalidParam(t, c.method+" "+c.path+" "+c.what, call(t, base, c.method, c.path, boss, c.what), c.field)
	}
	team := expect(t, "nobody, said with null", call(t, base, "PUT", "/v1/tenants/acme/teams/red/leader", boss, obj{"user": nil}), http.StatusOK, "")
	if team.Body["leader"] != nil {
		t.Fatalf("the team still has a leader: %s", team.Raw)
	}
}
