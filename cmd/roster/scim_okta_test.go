package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The requests of these tests are those Okta's SCIM 2.0 client sends, as
// its provisioning documentation shows them: it looks a user up by
// userName before it creates them, sends the whole user on PUT (id, meta,
// groups and the password included), deactivates by PUT or by a path-less
// PATCH, and pushes groups with their members' ids.

// oktaUser is a user as Okta's create and PUT send them: with externalId
// (Okta's user id), locale, an empty groups and the password Okta made.
func oktaUser(userName, given, family string, active bool) obj {
	u := scimUser(userName, given, family, active)
	u["externalId"], u["locale"], u["groups"], u["password"] = "00u"+strings.ReplaceAll(given, " ", "")+"Okta7RL1d8", "en-US", []obj{}, "t7Rw2kQz-9pLm"
	return u
}

// oktaPut is u as Okta's PUT sends it: the user read back, with its id
// and meta.
func oktaPut(u obj, id string) obj {
	u["id"], u["meta"] = id, obj{"resourceType": "User"}
	return u
}

// oktaCreate looks userName up as Okta does before a create, finds nobody,
// and creates them active; it returns the created user.
func oktaCreate(s *scimTenant, userName, given, family string) reply {
	s.t.Helper()
	lookup := s.want("the look-up before the create", s.do("GET", `/Users?`+filtered(`userName eq "`+userName+`"`)+`&startIndex=1&count=100`, nil), http.StatusOK)
	if lookup.Body["totalResults"] != float64(0) || len(listed(lookup)) != 0 {
		s.t.Fatalf("the look-up of a new user found %s", lookup.Raw)
	}
	return s.want("create "+userName, s.do("POST", "/Users", oktaUser(userName, given, family, true)), http.StatusCreated)
}

// Okta's create: the look-up finds nobody, the POST creates the user
// active with what Okta sent, the same look-up then finds exactly them,
// and the JSON API shows them active under that e-mail.
func TestScimOktaCreatesAUserAfterLookingThemUpByUserName(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)

	created := oktaCreate(s, "test.user@acme.example", "Test", "User")
	id := created.str("id")
	name, _ := created.Body["name"].(map[string]any)
	if id == "" || created.Body["active"] != true || created.str("userName") != "test.user@acme.example" || created.str("externalId") != "00uTestOkta7RL1d8" ||
		name["givenName"] != "Test" || name["familyName"] != "User" || strings.Contains(created.Raw, "t7Rw2kQz") {
		t.Fatalf("created %s", created.Raw)
	}
	if got := created.Header.Get("Location"); !strings.HasSuffix(got, s.path+"/Users/"+id) {
		t.Fatalf("Location %q", got)
	}
	found := s.want("the same look-up", s.do("GET", `/Users?`+filtered(`userName eq "test.user@acme.example"`)+`&startIndex=1&count=100`, nil), http.StatusOK)
	if found.Body["totalResults"] != float64(1) || !slices.Equal(listed(found), []string{id}) {
		t.Fatalf("found %s", found.Raw)
	}
	if u := s.user(id); u.str("status") != "active" || u.str("email") != "test.user@acme.example" || u.str("name") != "Test User" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
	expect(t, "a login with the password Okta sent", login(t, server.URL, "acme", "test.user@acme.example", "t7Rw2kQz-9pLm"), http.StatusCreated, "")
}

// Okta deactivates by PUT of the whole user with active false, and
// reactivates with active true; the JSON API follows each step.
func TestScimOktaDeactivatesAndReactivatesByPut(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id := oktaCreate(s, "test.user@acme.example", "Test", "User").str("id")

	off := s.want("PUT active false", s.do("PUT", "/Users/"+id, oktaPut(oktaUser("test.user@acme.example", "Test", "User", false), id)), http.StatusOK)
	if off.Body["active"] != false {
		t.Fatalf("deactivated %s", off.Raw)
	}
	if u := s.user(id); u.str("status") != "inactive" {
		t.Fatalf("after PUT active false the JSON API shows %s", u.Raw)
	}
	if again := s.want("the same PUT again", s.do("PUT", "/Users/"+id, oktaPut(oktaUser("test.user@acme.example", "Test", "User", false), id)), http.StatusOK); metaVersion(again) != metaVersion(off) {
		t.Fatalf("a repeated PUT changed the user: %s then %s", off.Raw, again.Raw)
	}
	on := s.want("PUT active true", s.do("PUT", "/Users/"+id, oktaPut(oktaUser("test.user@acme.example", "Test", "User", true), id)), http.StatusOK)
	if on.Body["active"] != true {
		t.Fatalf("reactivated %s", on.Raw)
	}
	if u := s.user(id); u.str("status") != "active" {
		t.Fatalf("after PUT active true the JSON API shows %s", u.Raw)
	}
}

// Okta deactivates by a path-less PATCH {"active": false}, and reactivates
// with {"active": true}; a repeated deactivation changes nothing.
func TestScimOktaDeactivatesAndReactivatesByPathlessPatch(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id := oktaCreate(s, "test.user@acme.example", "Test", "User").str("id")

	off := s.want("PATCH active false", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "replace", "value": obj{"active": false}})), http.StatusOK)
	if off.Body["active"] != false {
		t.Fatalf("deactivated %s", off.Raw)
	}
	if u := s.user(id); u.str("status") != "inactive" {
		t.Fatalf("after PATCH active false the JSON API shows %s", u.Raw)
	}
	again := s.want("PATCH active false again", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "replace", "value": obj{"active": false}})), http.StatusOK)
	if again.Body["active"] != false || metaVersion(again) != metaVersion(off) {
		t.Fatalf("a repeated deactivation changed the user: %s then %s", off.Raw, again.Raw)
	}
	on := s.want("PATCH active true", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "replace", "value": obj{"active": true}})), http.StatusOK)
	if on.Body["active"] != true {
		t.Fatalf("reactivated %s", on.Raw)
	}
	if u := s.user(id); u.str("status") != "active" {
		t.Fatalf("after PATCH active true the JSON API shows %s", u.Raw)
	}
}

// Okta updates a profile by PUT of the whole user: the new name shows in
// the SCIM read and in the JSON API's.
func TestScimOktaUpdatesAProfileByPut(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id := oktaCreate(s, "test.user@acme.example", "Test", "User").str("id")

	s.want("PUT a new name", s.do("PUT", "/Users/"+id, oktaPut(oktaUser("test.user@acme.example", "Another", "Person", true), id)), http.StatusOK)
	got := s.want("read back", s.do("GET", "/Users/"+id, nil), http.StatusOK)
	name, _ := got.Body["name"].(map[string]any)
	if got.str("displayName") != "Another Person" || name["givenName"] != "Another" || name["familyName"] != "Person" || got.Body["active"] != true {
		t.Fatalf("read back %s", got.Raw)
	}
	if u := s.user(id); u.str("name") != "Another Person" || u.str("email") != "test.user@acme.example" || u.str("status") != "active" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// Okta's group push: a group is created with its members, renamed by a
// path-less PATCH (with the id along) and by PUT, its members added and
// removed by PATCH, and unlinked with a delete; the JSON API's teams
// follow, and a deleted group is gone.
func TestScimOktaPushesAGroup(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	ann := oktaCreate(s, "ann@acme.example", "Ann", "Example").str("id")
	bob := oktaCreate(s, "bob@acme.example", "Bob", "Example").str("id")
	cy := oktaCreate(s, "cy@acme.example", "Cy", "Example").str("id")
	member := func(id, email string) obj { return obj{"value": id, "display": email} }

	created := s.want("create the group", s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "Engineering",
		"members": []obj{member(ann, "ann@acme.example"), member(bob, "bob@acme.example")}}), http.StatusCreated)
	group := created.str("id")
	if created.str("displayName") != "Engineering" || !slices.Equal(membersOf(created), sorted([]string{ann, bob})) {
		t.Fatalf("created %s", created.Raw)
	}
	s.wantTeam(group, "Engineering", ann, bob)

	rename := patchOp(obj{"op": "replace", "value": obj{"id": group, "displayName": "Platform"}})
	s.want("rename by PATCH", s.do("PATCH", "/Groups/"+group, rename), http.StatusNoContent)
	byName := s.want("find by the new name", s.do("GET", "/Groups?"+filtered(`displayName eq "Platform"`)+"&startIndex=1&count=100", nil), http.StatusOK)
	if !slices.Equal(listed(byName), []string{group}) {
		t.Fatalf("by the new name: %s", byName.Raw)
	}
	put := s.want("rename by PUT", s.do("PUT", "/Groups/"+group, obj{"schemas": []string{groupSchema}, "id": group, "displayName": "Platform Team",
		"members": []obj{member(ann, "ann@acme.example"), member(bob, "bob@acme.example")}}), http.StatusOK)
	if put.str("displayName") != "Platform Team" || !slices.Equal(membersOf(put), sorted([]string{ann, bob})) {
		t.Fatalf("PUT answered %s", put.Raw)
	}

	add := patchOp(obj{"op": "add", "path": "members", "value": []obj{member(cy, "cy@acme.example")}})
	s.want("add a member", s.do("PATCH", "/Groups/"+group, add), http.StatusNoContent)
	remove := patchOp(obj{"op": "remove", "path": `members[value eq "` + ann + `"]`})
	s.want("remove a member", s.do("PATCH", "/Groups/"+group, remove), http.StatusNoContent)
	if got := s.want("read the group", s.do("GET", "/Groups/"+group, nil), http.StatusOK); !slices.Equal(membersOf(got), sorted([]string{bob, cy})) || got.str("displayName") != "Platform Team" {
		t.Fatalf("after the PATCHes: %s", got.Raw)
	}
	s.wantTeam(group, "Platform Team", bob, cy)

	deleted := s.do("DELETE", "/Groups/"+group, nil)
	if deleted.Status != http.StatusNoContent || deleted.Raw != "" {
		t.Fatalf("delete: %d %s", deleted.Status, deleted.Raw)
	}
	s.want("the deleted group", s.do("GET", "/Groups/"+group, nil), http.StatusNotFound)
	teams := expect(t, "the teams", call(t, server.URL, "GET", "/v1/tenants/acme/teams?min_position="+s.position(), "op-token", nil), http.StatusOK, "")
	if strings.Contains(teams.Raw, group) {
		t.Fatalf("the deleted group is still a team: %s", teams.Raw)
	}
}
