package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// scimTenant is a tenant with a SCIM connection "Okta" created by its owner
// "boss" over the JSON API; path is its SCIM base URL, token and
// connection the connection's token and id, boss the owner's session.
type scimTenant struct {
	t                       *testing.T
	base, path              string
	token, connection, boss string
}

// newScimTenant creates tenant id (preset, seats, policy as httpTenant) and
// a connection of the owner with groupRoles.
func newScimTenant(t *testing.T, base, id, preset string, seats int, policy, groupRoles obj) *scimTenant {
	t.Helper()
	httpTenant(t, base, id, preset, seats, policy)
	boss := httpLogin(t, base, id, "boss")
	created := expect(t, "a SCIM connection", call(t, base, "POST", "/v1/tenants/"+id+"/scim-connections", boss,
		obj{"name": "Okta", "group_roles": groupRoles}), http.StatusCreated, "")
	return &scimTenant{t: t, base: base, path: "/v1/tenants/" + id + "/scim/v2", token: created.str("token"), connection: created.str("id"), boss: boss}
}

// do sends a SCIM request with the connection's token (body as call).
func (s *scimTenant) do(method, path string, body any) reply {
	s.t.Helper()
	return call(s.t, s.base, method, s.path+path, s.token, body, "Content-Type", "application/scim+json")
}

// want fails unless r has status want; for an error, SCIM's error format
// with that status as a string.
func (s *scimTenant) want(what string, r reply, want int) reply {
	s.t.Helper()
	if r.Status != want {
		s.t.Fatalf("%s: %d %.500s, want %d", what, r.Status, r.Raw, want)
	}
	if want >= 400 && (r.str("status") != fmt.Sprint(want) || !strings.Contains(r.Raw, "urn:ietf:params:scim:api:messages:2.0:Error")) {
		s.t.Fatalf("%s: not SCIM's error format: %s", what, r.Raw)
	}
	return r
}

// position is the position of a harmless write made now (a team defined
// over the JSON API), for reads of read models to wait for everything SCIM
// did before it: SCIM replies carry no position.
func (s *scimTenant) position() string {
	s.t.Helper()
	return expect(s.t, "a write to wait for", call(s.t, s.base, "PUT", "/v1/tenants/"+s.tenant()+"/teams/sync-point", "op-token", obj{"name": "Sync point"}),
		http.StatusOK, "").str("position")
}

// tenant is the id of s's tenant.
func (s *scimTenant) tenant() string { return strings.Split(s.path, "/")[3] }

// user is the JSON API's read of user id, made once the read model has
// applied everything SCIM did before (s.position()); the operator reads.
func (s *scimTenant) user(id string) reply {
	s.t.Helper()
	return expect(s.t, "the JSON API's "+id, call(s.t, s.base, "GET", "/v1/tenants/"+s.tenant()+"/users/"+id+"?min_position="+s.position(),
		"op-token", nil), http.StatusOK, "")
}

// listed is the ids of a SCIM list's Resources, in the order listed.
func listed(r reply) []string {
	resources, _ := r.Body["Resources"].([]any)
	ids := make([]string, 0, len(resources))
	for _, res := range resources {
		m, _ := res.(map[string]any)
		id, _ := m["id"].(string)
		ids = append(ids, id)
	}
	return ids
}

// membersOf is the ids (values) of a SCIM group's members, sorted.
func membersOf(r reply) []string {
	members, _ := r.Body["members"].([]any)
	ids := make([]string, 0, len(members))
	for _, member := range members {
		m, _ := member.(map[string]any)
		id, _ := m["value"].(string)
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// metaVersion is a SCIM resource's meta.version.
func metaVersion(r reply) string {
	meta, _ := r.Body["meta"].(map[string]any)
	v, _ := meta["version"].(string)
	return v
}

// wantTeam fails unless the JSON API shows team id named name with
// exactly members.
func (s *scimTenant) wantTeam(id, name string, members ...string) {
	s.t.Helper()
	teams := expect(s.t, "the teams", call(s.t, s.base, "GET", "/v1/tenants/"+s.tenant()+"/teams?min_position="+s.position(), "op-token", nil), http.StatusOK, "")
	items, _ := teams.Body["items"].([]any)
	for _, item := range items {
		team, _ := item.(map[string]any)
		if team["id"] != id {
			continue
		}
		var got []string
		list, _ := team["members"].([]any)
		for _, m := range list {
			got = append(got, m.(string))
		}
		slices.Sort(got)
		if team["name"] != name || !slices.Equal(got, sorted(members)) {
			s.t.Fatalf("team %s: %v, want %q with %v", id, team, name, sorted(members))
		}
		return
	}
	s.t.Fatalf("no team %s: %s", id, teams.Raw)
}

// filtered is the query of a list filtered by expr, as clients escape it.
func filtered(expr string) string { return "filter=" + url.QueryEscape(expr) }

const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	groupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	listSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
)

// scimUser is a SCIM User as Okta sends it on create.
func scimUser(userName, given, family string, active bool) obj {
	return obj{"schemas": []string{userSchema}, "userName": userName, "name": obj{"givenName": given, "familyName": family},
		"emails": []obj{{"primary": true, "value": userName, "type": "work"}}, "displayName": given + " " + family, "active": active}
}

func patchOp(ops ...obj) obj {
	return obj{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

// A user provisioned over SCIM is found by filter, read back at once,
// deactivated (their sessions die the moment the answer comes), and a
// repeated deactivation stores nothing; the audit trail names the
// connection.
func TestScimProvisionsFindsAndDeactivatesAUser(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)

	empty := s.want("a filter that finds nobody", s.do("GET", `/Users?filter=userName%20eq%20%22ann%40acme.example%22`, nil), http.StatusOK)
	if !strings.Contains(empty.Raw, `"Resources":[]`) || empty.Body["totalResults"] != float64(0) {
		t.Fatalf("an empty list: %s", empty.Raw)
	}
	created := s.want("create", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated)
	id := created.str("id")
	if created.Body["active"] != true || created.str("userName") != "ann@acme.example" || strings.Contains(created.Raw, "password") {
		t.Fatalf("created %s", created.Raw)
	}
	found := s.want("by userName, any case", s.do("GET", `/Users?filter=userName%20eq%20%22ANN%40acme.example%22`, nil), http.StatusOK)
	if found.Body["totalResults"] != float64(1) || !strings.Contains(found.Raw, `"id":"`+id+`"`) {
		t.Fatalf("found %s", found.Raw)
	}
	s.want("a duplicate", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Again", true)), http.StatusConflict)

	// Ann signs in; the deactivation answers, and her token is dead.
	expect(t, "ann's password", call(t, server.URL, "PUT", "/v1/tenants/acme/users/"+id+"/password", "op-token", obj{"password": passwordOf("ann")}), http.StatusOK, "")
	ann := expect(t, "ann logs in", login(t, server.URL, "acme", "ann@acme.example", passwordOf("ann")), http.StatusCreated, "").str("token")
	expect(t, "ann reads", call(t, server.URL, "GET", "/v1/tenants/acme?min_position="+s.position(), ann, nil), http.StatusOK, "")
	off := s.want("deactivate", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "replace", "path": "active", "value": false})), http.StatusOK)
	if off.Body["active"] != false {
		t.Fatalf("deactivated %s", off.Raw)
	}
	expect(t, "ann's token the moment the deactivation answered", call(t, server.URL, "GET", "/v1/tenants/acme", ann, nil), http.StatusUnauthorized, "unauthenticated")

	again := s.want("deactivate again", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "replace", "path": "active", "value": false})), http.StatusOK)
	if again.Body["meta"].(map[string]any)["version"] != off.Body["meta"].(map[string]any)["version"] {
		t.Fatalf("a repeated deactivation changed the user: %s then %s", off.Raw, again.Raw)
	}
	history := expect(t, "history", call(t, server.URL, "GET", "/v1/tenants/acme/audit?target="+id+"&min_position="+s.position(), s.boss, nil), http.StatusOK, "")
	if !strings.Contains(history.Raw, `"scim:Okta"`) {
		t.Fatalf("the audit trail: %s", history.Raw)
	}
	s.want("a deactivated user stays readable", s.do("GET", "/Users/"+id, nil), http.StatusOK)
	s.want("an unknown user", s.do("GET", "/Users/nobody", nil), http.StatusNotFound)
	s.want("no token", call(t, server.URL, "GET", s.path+"/Users", "", nil), http.StatusUnauthorized)
	s.want("a session token", call(t, server.URL, "GET", s.path+"/Users", s.boss, nil), http.StatusUnauthorized)
}
