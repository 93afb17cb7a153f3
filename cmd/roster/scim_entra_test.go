package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The requests of these tests are those Microsoft Entra ID's provisioning
// service sends, as its SCIM documentation shows them: a test connection
// that looks up a random userName, users created with externalId and the
// enterprise extension (manager a plain string), PATCHes with capitalised
// operations and string booleans ("False") or, with the aadOptscim062020
// flag, path-less ones with dotted keys, and groups created empty then
// filled and emptied by PATCH (the legacy remove lists the members to
// remove as its value).

// entraUser is a user as Entra's create sends it: userName and the work
// e-mail differ (Roster keeps userName, an address, as the e-mail),
// name.formatted, an empty roles, meta, and the enterprise extension with
// the manager's id as a plain string.
func entraUser(userName, externalID, manager string) obj {
	return obj{
		"schemas":    []string{userSchema, enterpriseSchema},
		"externalId": externalID,
		"userName":   userName,
		"active":     true,
		"emails":     []obj{{"primary": true, "type": "work", "value": "work." + userName}},
		"meta":       obj{"resourceType": "User"},
		"name":       obj{"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
		"roles":      []obj{},
		enterpriseSchema: obj{
			"employeeNumber": "701984",
			"department":     "Tour Operations",
			"manager":        manager,
		},
	}
}

// entraCreate creates userName as Entra does, with a fresh externalId,
// boss as the manager; it returns the user's id and externalId.
func entraCreate(s *scimTenant, userName string) (id, externalID string) {
	s.t.Helper()
	externalID = uuid.NewString()
	created := s.want("create "+userName, s.do("POST", "/Users", entraUser(userName, externalID, "boss")), http.StatusCreated)
	return created.str("id"), externalID
}

// Entra's "test connection" looks up a userName nobody has (a random
// GUID): the answer is 200 with an empty list, not an error.
func TestScimEntraTestConnectionFindsNobody(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)

	got := s.want("the test connection", s.do("GET", "/Users?"+filtered(`userName eq "`+uuid.NewString()+`"`), nil), http.StatusOK)
	if got.Body["totalResults"] != float64(0) || !strings.Contains(got.Raw, `"Resources":[]`) {
		t.Fatalf("the test connection got %s", got.Raw)
	}
}

// Entra creates a user with externalId, the enterprise extension and a
// plain-string manager; it reads them by id, and finds them by externalId.
func TestScimEntraCreatesAUserWithExternalIdAndFindsThemByIt(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	externalID := uuid.NewString()

	created := s.want("create", s.do("POST", "/Users", entraUser("Test_User_ab6490ee@acme.example", externalID, "boss")), http.StatusCreated)
	id := created.str("id")
	if id == "" || created.str("externalId") != externalID || created.Body["active"] != true ||
		!strings.EqualFold(created.str("userName"), "Test_User_ab6490ee@acme.example") {
		t.Fatalf("created %s", created.Raw)
	}
	byID := s.want("by id", s.do("GET", "/Users/"+id, nil), http.StatusOK)
	if byID.str("externalId") != externalID || byID.Body["active"] != true {
		t.Fatalf("by id %s", byID.Raw)
	}
	found := s.want("by externalId", s.do("GET", "/Users?"+filtered(`externalId eq "`+externalID+`"`), nil), http.StatusOK)
	if found.Body["totalResults"] != float64(1) || !slices.Equal(listed(found), []string{id}) {
		t.Fatalf("by externalId %s", found.Raw)
	}
	other := s.want("by another externalId", s.do("GET", "/Users?"+filtered(`externalId eq "`+uuid.NewString()+`"`), nil), http.StatusOK)
	if other.Body["totalResults"] != float64(0) || len(listed(other)) != 0 {
		t.Fatalf("another externalId found %s", other.Raw)
	}
	if u := s.user(id); u.str("status") != "active" || !strings.EqualFold(u.str("email"), "Test_User_ab6490ee@acme.example") || u.str("name") != "Given Family" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// Entra's classic PATCH: capitalised operations with a path, the work
// e-mail by a value path, and "False" as a string deactivates.
func TestScimEntraPatchesWithPathsAndStringBooleans(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id, _ := entraCreate(s, "ann@acme.example")

	changed := s.want("replace e-mail and family name", s.do("PATCH", "/Users/"+id, patchOp(
		obj{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "ann.new@acme.example"},
		obj{"op": "Replace", "path": "name.familyName", "value": "Newname"})), http.StatusOK)
	name, _ := changed.Body["name"].(map[string]any)
	if changed.str("userName") != "ann.new@acme.example" || name["familyName"] != "Newname" || changed.Body["active"] != true {
		t.Fatalf("changed %s", changed.Raw)
	}
	manager := s.want("add the manager", s.do("PATCH", "/Users/"+id, patchOp(
		obj{"op": "Add", "path": enterpriseSchema + ":manager", "value": "boss"},
		obj{"op": "Add", "path": enterpriseSchema + ":department", "value": "Sales"})), http.StatusOK)
	if metaVersion(manager) != metaVersion(changed) {
		t.Fatalf("attributes Roster does not keep changed the user: %s then %s", changed.Raw, manager.Raw)
	}
	off := s.want(`replace active "False"`, s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "Replace", "path": "active", "value": "False"})), http.StatusOK)
	if off.Body["active"] != false {
		t.Fatalf("deactivated %s", off.Raw)
	}
	if u := s.user(id); u.str("status") != "inactive" || u.str("email") != "ann.new@acme.example" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
	on := s.want(`replace active "True"`, s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "Replace", "path": "active", "value": "True"})), http.StatusOK)
	if on.Body["active"] != true {
		t.Fatalf("reactivated %s", on.Raw)
	}
	if u := s.user(id); u.str("status") != "active" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// Entra's PATCH under aadOptscim062020: path-less, with dotted and
// value-path keys, and a boolean active.
func TestScimEntraPatchesPathlessWithDottedKeys(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id, _ := entraCreate(s, "ann@acme.example")

	changed := s.want("a path-less replace", s.do("PATCH", "/Users/"+id+"?aadOptscim062020", patchOp(obj{"op": "replace", "value": obj{
		"displayName":                    "Ann Other",
		"name.givenName":                 "Ann",
		"name.familyName":                "Other",
		`emails[type eq "work"].value`:   "ann.other@acme.example",
		enterpriseSchema + ":department": "Sales",
	}})), http.StatusOK)
	name, _ := changed.Body["name"].(map[string]any)
	if changed.str("displayName") != "Ann Other" || name["givenName"] != "Ann" || name["familyName"] != "Other" || changed.str("userName") != "ann.other@acme.example" {
		t.Fatalf("changed %s", changed.Raw)
	}
	if u := s.user(id); u.str("name") != "Ann Other" || u.str("email") != "ann.other@acme.example" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
	off := s.want("a path-less deactivation", s.do("PATCH", "/Users/"+id+"?aadOptscim062020", patchOp(obj{"op": "replace", "value": obj{"active": false}})), http.StatusOK)
	if off.Body["active"] != false {
		t.Fatalf("deactivated %s", off.Raw)
	}
	if u := s.user(id); u.str("status") != "inactive" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// Entra maps an app role to roles[primary eq "True"].value: the role is
// granted in Roster.
func TestScimEntraGrantsARoleByThePrimaryRolesValue(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id, _ := entraCreate(s, "ann@acme.example")

	got := s.want("add the primary role", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "Add", "path": `roles[primary eq "True"].value`, "value": "admin"})), http.StatusOK)
	if !slices.Equal(rolesOf(got), []string{"admin"}) {
		t.Fatalf("granted %s", got.Raw)
	}
	if u := s.user(id); u.str("role") != "admin" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
	s.want("replace roles with a complex value", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "Replace", "path": "roles",
		"value": []obj{{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "manager"}}})), http.StatusOK)
	if u := s.user(id); u.str("role") != "manager" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// Entra's group life: created empty (with its own schema URN along),
// found by displayName without members, members added, removed by the
// legacy remove (only those listed leave) and by a value filter, renamed,
// then deleted.
func TestScimEntraManagesAGroupsMembers(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	ann, _ := entraCreate(s, "ann@acme.example")
	bob, _ := entraCreate(s, "bob@acme.example")
	cy, _ := entraCreate(s, "cy@acme.example")

	created := s.want("create the group", s.do("POST", "/Groups", obj{
		"schemas":    []string{groupSchema, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"},
		"externalId": uuid.NewString(), "displayName": "Sales", "meta": obj{"resourceType": "Group"}}), http.StatusCreated)
	group := created.str("id")
	if created.str("displayName") != "Sales" || len(membersOf(created)) != 0 {
		t.Fatalf("created %s", created.Raw)
	}
	found := s.want("find it without members", s.do("GET", "/Groups?excludedAttributes=members&"+filtered(`displayName eq "Sales"`), nil), http.StatusOK)
	if !slices.Equal(listed(found), []string{group}) || strings.Contains(found.Raw, `"members"`) {
		t.Fatalf("found %s", found.Raw)
	}

	ref := func(id string) obj { return obj{"$ref": nil, "value": id} }
	s.want("add members", s.do("PATCH", "/Groups/"+group+"?aadOptscim062020", patchOp(obj{"op": "Add", "path": "members", "value": []obj{ref(ann), ref(bob), ref(cy)}})), http.StatusNoContent)
	s.wantTeam(group, "Sales", ann, bob, cy)
	s.want("the legacy remove of one", s.do("PATCH", "/Groups/"+group, patchOp(obj{"op": "Remove", "path": "members", "value": []obj{ref(ann)}})), http.StatusNoContent)
	if got := s.want("read without members", s.do("GET", "/Groups/"+group+"?excludedAttributes=members", nil), http.StatusOK); strings.Contains(got.Raw, `"members"`) {
		t.Fatalf("excludedAttributes=members still shows them: %s", got.Raw)
	}
	if got := s.want("read", s.do("GET", "/Groups/"+group, nil), http.StatusOK); !slices.Equal(membersOf(got), sorted([]string{bob, cy})) {
		t.Fatalf("after the legacy remove of ann: %s", got.Raw)
	}
	s.want("remove by a value filter", s.do("PATCH", "/Groups/"+group, patchOp(obj{"op": "Remove", "path": `members[value eq "` + bob + `"]`})), http.StatusNoContent)
	s.want("rename", s.do("PATCH", "/Groups/"+group, patchOp(obj{"op": "Replace", "path": "displayName", "value": "Sales EMEA"})), http.StatusNoContent)
	s.wantTeam(group, "Sales EMEA", cy)

	s.want("delete", s.do("DELETE", "/Groups/"+group, nil), http.StatusNoContent)
	s.want("the deleted group", s.do("GET", "/Groups/"+group+"?excludedAttributes=members", nil), http.StatusNotFound)
}

// Entra creates a user disabled in the directory with active false, and
// enables them later with active "True".
func TestScimEntraCreatesADisabledUserAndEnablesThem(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	disabled := entraUser("ann@acme.example", uuid.NewString(), "boss")
	disabled["active"] = false

	created := s.want("create disabled", s.do("POST", "/Users", disabled), http.StatusCreated)
	id := created.str("id")
	if created.Body["active"] != false {
		t.Fatalf("created %s", created.Raw)
	}
	if u := s.user(id); u.str("status") != "inactive" || u.Body["can_login"] != false {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
	s.want("enable", s.do("PATCH", "/Users/"+id, patchOp(obj{"op": "Replace", "path": "active", "value": "True"})), http.StatusOK)
	if got := s.want("read", s.do("GET", "/Users/"+id, nil), http.StatusOK); got.Body["active"] != true {
		t.Fatalf("enabled %s", got.Raw)
	}
	if u := s.user(id); u.str("status") != "active" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// Entra's soft delete is a PATCH of active "False"; its hard delete a
// DELETE, which under scim_delete "deactivate" (the default) leaves the
// user readable as inactive.
func TestScimEntraDeletesSoftThenHardUnderDeactivate(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	ann, _ := entraCreate(s, "ann@acme.example")
	bob, _ := entraCreate(s, "bob@acme.example")

	soft := s.want("soft delete", s.do("PATCH", "/Users/"+ann, patchOp(obj{"op": "Replace", "path": "active", "value": "False"})), http.StatusOK)
	if soft.Body["active"] != false {
		t.Fatalf("soft deleted %s", soft.Raw)
	}
	for _, id := range []string{ann, bob} { // ann soft deleted before, bob not
		hard := s.do("DELETE", "/Users/"+id, nil)
		if hard.Status != http.StatusNoContent || hard.Raw != "" {
			t.Fatalf("hard delete of %s: %d %s", id, hard.Status, hard.Raw)
		}
		got := s.want("read after the hard delete", s.do("GET", "/Users/"+id, nil), http.StatusOK)
		if got.Body["active"] != false || id == ann && metaVersion(got) != metaVersion(soft) {
			t.Fatalf("after the hard delete %s reads %s (after the soft one %s)", id, got.Raw, soft.Raw)
		}
		if u := s.user(id); u.str("status") != "inactive" || u.str("email") == "" {
			t.Fatalf("the JSON API shows %s", u.Raw)
		}
	}
}

// Under scim_delete "delete", Entra's hard delete erases the user: SCIM
// forgets them (404) and the JSON API shows "Deleted user".
func TestScimEntraHardDeleteErasesUnderDelete(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	expect(t, "scim_delete: delete", call(t, server.URL, "PATCH", "/v1/tenants/acme/policy", s.boss, obj{"scim_delete": "delete"}), http.StatusOK, "")
	ann, externalID := entraCreate(s, "ann@acme.example")
	s.want("soft delete", s.do("PATCH", "/Users/"+ann, patchOp(obj{"op": "Replace", "path": "active", "value": "False"})), http.StatusOK)

	s.want("hard delete", s.do("DELETE", "/Users/"+ann, nil), http.StatusNoContent)
	s.want("read after the hard delete", s.do("GET", "/Users/"+ann, nil), http.StatusNotFound)
	if got := s.want("by externalId", s.do("GET", "/Users?"+filtered(`externalId eq "`+externalID+`"`), nil), http.StatusOK); len(listed(got)) != 0 {
		t.Fatalf("the deleted user is still found: %s", got.Raw)
	}
	s.want("a second hard delete", s.do("DELETE", "/Users/"+ann, nil), http.StatusNotFound)
	if u := s.user(ann); u.str("status") != "deleted" || u.str("name") != "Deleted user" || u.Body["email"] != nil || strings.Contains(u.Raw, "ann@") {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
	// Back in scope in Entra: the same userName and externalId make a new user.
	again := s.want("create again", s.do("POST", "/Users", entraUser("ann@acme.example", externalID, "boss")), http.StatusCreated)
	if again.str("id") == ann || again.Body["active"] != true {
		t.Fatalf("created again %s", again.Raw)
	}
}
