package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The checklist that SCIM validators (Okta's spec test, Entra's SCIM
// validator) run against any service provider, then the tenant's rules as
// they hold on the SCIM path.

// A list is a ListResponse with totalResults, itemsPerPage, startIndex and
// Resources — an empty array, never null or absent, when nothing matches.
func TestScimListsHaveTheListResponseShape(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	ann := s.want("create", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated).str("id")
	s.user(ann) // the unfiltered list pages through the users read model

	for what, c := range map[string]struct {
		path  string
		total int
	}{
		"every user":       {"/Users", 2},
		"a filter":         {"/Users?" + filtered(`userName eq "ann@acme.example"`), 1},
		"a filter of none": {"/Users?" + filtered(`userName eq "nobody@acme.example"`), 0},
		"groups, none":     {"/Groups?" + filtered(`displayName eq "Nobody"`), 0},
	} {
		got := s.want(what, s.do("GET", c.path, nil), http.StatusOK)
		resources, isList := got.Body["Resources"].([]any)
		if !slices.Equal(anyStrings(got.Body["schemas"]), []string{listSchema}) || got.Body["totalResults"] != float64(c.total) ||
			got.Body["itemsPerPage"] != float64(c.total) || got.Body["startIndex"] != float64(1) || !isList || len(resources) != c.total {
			t.Errorf("%s: %s", what, got.Raw)
		}
		if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			t.Errorf("%s: Content-Type %q", what, ct)
		}
	}
}

// What does not exist is 404 in SCIM's error format, whatever the method.
func TestScimAnswersNotFoundInItsErrorFormat(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)

	s.want("GET a user", s.do("GET", "/Users/nobody", nil), http.StatusNotFound)
	s.want("PUT a user", s.do("PUT", "/Users/nobody", scimUser("nobody@acme.example", "No", "Body", true)), http.StatusNotFound)
	s.want("PATCH a user", s.do("PATCH", "/Users/nobody", patchOp(obj{"op": "replace", "path": "active", "value": false})), http.StatusNotFound)
	s.want("DELETE a user", s.do("DELETE", "/Users/nobody", nil), http.StatusNotFound)
	s.want("GET a group", s.do("GET", "/Groups/nobody", nil), http.StatusNotFound)
	s.want("PATCH a group", s.do("PATCH", "/Groups/nobody", patchOp(obj{"op": "replace", "path": "displayName", "value": "X"})), http.StatusNotFound)
	s.want("DELETE a group", s.do("DELETE", "/Groups/nobody", nil), http.StatusNotFound)
}

// Without a connection's token — none, a wrong one, a session's, the
// operator's — every request is 401 in SCIM's error format, with
// WWW-Authenticate.
func TestScimAnswersUnauthenticatedInItsErrorFormat(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)

	for what, token := range map[string]string{"no token": "", "a wrong token": "rsc_" + strings.Repeat("0", 43), "not a token": "x",
		"a session's token": s.boss, "the operator's token": "op-token"} {
		got := s.want(what, call(t, server.URL, "GET", s.path+"/Users", token, nil), http.StatusUnauthorized)
		if got.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate: %v", what, got.Header)
		}
		s.want(what+" creating", call(t, server.URL, "POST", s.path+"/Users", token, scimUser("eve@acme.example", "Eve", "Intruder", true)), http.StatusUnauthorized)
	}
	if got := s.want("the look-up after", s.do("GET", "/Users?"+filtered(`userName eq "eve@acme.example"`), nil), http.StatusOK); len(listed(got)) != 0 {
		t.Fatalf("an unauthenticated create created: %s", got.Raw)
	}
}

// A second user with a userName (any case) or an externalId that a user
// already has is 409 uniqueness, on create and on change alike.
func TestScimRefusesDuplicatesAsUniqueness(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	ann := scimUser("ann@acme.example", "Ann", "Example", true)
	ann["externalId"] = "ext-ann"
	s.want("create ann", s.do("POST", "/Users", ann), http.StatusCreated)
	bob := scimUser("bob@acme.example", "Bob", "Example", true)
	bob["externalId"] = "ext-bob"
	bobID := s.want("create bob", s.do("POST", "/Users", bob), http.StatusCreated).str("id")

	sameUserName := scimUser("ANN@acme.example", "Ann", "Again", true)
	sameExternalID := scimUser("ann.two@acme.example", "Ann", "Two", true)
	sameExternalID["externalId"] = "ext-ann"
	for what, r := range map[string]reply{
		"a create with ann's userName":    s.do("POST", "/Users", sameUserName),
		"a create with ann's externalId":  s.do("POST", "/Users", sameExternalID),
		"bob's userName changed to ann's": s.do("PATCH", "/Users/"+bobID, patchOp(obj{"op": "replace", "path": "userName", "value": "ann@acme.example"})),
		"bob's externalId changed to ann's": s.do("PATCH", "/Users/"+bobID,
			patchOp(obj{"op": "replace", "path": "externalId", "value": "ext-ann"})),
	} {
		if s.want(what, r, http.StatusConflict).str("scimType") != "uniqueness" {
			t.Errorf("%s: %s, want scimType uniqueness", what, r.Raw)
		}
	}
	if got := s.want("ann two", s.do("GET", "/Users?"+filtered(`userName eq "ann.two@acme.example"`), nil), http.StatusOK); len(listed(got)) != 0 {
		t.Fatalf("the refused create created: %s", got.Raw)
	}
	if got := s.want("bob", s.do("GET", "/Users/"+bobID, nil), http.StatusOK); got.str("userName") != "bob@acme.example" || got.str("externalId") != "ext-bob" {
		t.Fatalf("the refused changes changed bob: %s", got.Raw)
	}
}

// Group names are unique (case aside), as identity providers match groups
// by them: a create or a rename to another group's name is 409
// uniqueness, and changes nothing.
func TestScimRefusesADuplicateGroupNameAsUniqueness(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	s.want("create Sales", s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "Sales"}), http.StatusCreated)
	support := s.want("create Support", s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "Support"}), http.StatusCreated).str("id")

	for what, r := range map[string]reply{
		"a create of SALES":          s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "SALES"}),
		"a rename by PATCH to sales": s.do("PATCH", "/Groups/"+support, patchOp(obj{"op": "replace", "path": "displayName", "value": "sales"})),
		"a rename by PUT to Sales":   s.do("PUT", "/Groups/"+support, obj{"schemas": []string{groupSchema}, "displayName": "Sales"}),
	} {
		if s.want(what, r, http.StatusConflict).str("scimType") != "uniqueness" {
			t.Errorf("%s: %s, want scimType uniqueness", what, r.Raw)
		}
	}
	for name, want := range map[string]int{"Sales": 1, "Support": 1} {
		if got := s.want(name, s.do("GET", "/Groups?"+filtered(`displayName eq "`+name+`"`), nil), http.StatusOK); got.Body["totalResults"] != float64(want) {
			t.Errorf("groups named %s: %s", name, got.Raw)
		}
	}
	s.want("a rename of Support to itself, in another case", s.do("PATCH", "/Groups/"+support, patchOp(obj{"op": "replace", "path": "displayName", "value": "SUPPORT"})), http.StatusNoContent)
}

// Attribute names and operators of a filter are case-insensitive.
func TestScimFiltersInUppercase(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id := s.want("create", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated).str("id")

	for _, f := range []string{`USERNAME EQ "ann@acme.example"`, `UserName Eq "ann@acme.example"`} {
		if got := s.want(f, s.do("GET", "/Users?"+filtered(f), nil), http.StatusOK); !slices.Equal(listed(got), []string{id}) {
			t.Errorf("%s found %s", f, got.Raw)
		}
	}
}

// startIndex and count page through the users: the pages, in turn, are
// the whole list in its order, each page the same when asked again;
// startIndex below 1 reads as 1, and count 0 answers only the total.
func TestScimPagesWithStartIndexAndCountInAStableOrder(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	var last string
	for i := range 5 {
		last = s.want("create", s.do("POST", "/Users", scimUser(fmt.Sprintf("user%d@acme.example", i), "User", fmt.Sprint(i), true)), http.StatusCreated).str("id")
	}
	s.user(last) // the unfiltered list pages through the users read model

	all := listed(s.want("the whole list", s.do("GET", "/Users?startIndex=1&count=100", nil), http.StatusOK))
	if len(all) != 6 || !slices.Contains(all, "boss") {
		t.Fatalf("the whole list: %v", all)
	}
	var paged []string
	for start := 1; start <= 6; start += 2 {
		path := fmt.Sprintf("/Users?startIndex=%d&count=2", start)
		page := s.want(path, s.do("GET", path, nil), http.StatusOK)
		if page.Body["totalResults"] != float64(6) || page.Body["itemsPerPage"] != float64(2) || page.Body["startIndex"] != float64(start) {
			t.Fatalf("%s: %s", path, page.Raw)
		}
		if again := s.want(path+" again", s.do("GET", path, nil), http.StatusOK); !slices.Equal(listed(again), listed(page)) {
			t.Fatalf("%s answered %v, then %v", path, listed(page), listed(again))
		}
		paged = append(paged, listed(page)...)
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("the pages hold %v, the whole list %v", paged, all)
	}
	beyond := s.want("beyond the end", s.do("GET", "/Users?startIndex=7&count=2", nil), http.StatusOK)
	if beyond.Body["totalResults"] != float64(6) || len(listed(beyond)) != 0 || !strings.Contains(beyond.Raw, `"Resources":[]`) {
		t.Fatalf("beyond the end: %s", beyond.Raw)
	}
	if zero := s.want("startIndex 0", s.do("GET", "/Users?startIndex=0&count=2", nil), http.StatusOK); !slices.Equal(listed(zero), all[:2]) {
		t.Fatalf("startIndex 0: %s", zero.Raw)
	}
	if none := s.want("count 0", s.do("GET", "/Users?count=0", nil), http.StatusOK); none.Body["totalResults"] != float64(6) || len(listed(none)) != 0 {
		t.Fatalf("count 0: %s", none.Raw)
	}
}

// A trailing slash reads as none: /Users/ lists, /Users/{id}/ reads.
func TestScimToleratesATrailingSlash(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	id := s.want("create", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated).str("id")
	s.user(id) // the unfiltered list pages through the users read model

	if got := s.want("/Users/", s.do("GET", "/Users/", nil), http.StatusOK); got.Body["totalResults"] != float64(2) || !slices.Contains(listed(got), id) {
		t.Fatalf("/Users/: %s", got.Raw)
	}
	if got := s.want("/Users/{id}/", s.do("GET", "/Users/"+id+"/", nil), http.StatusOK); got.str("id") != id {
		t.Fatalf("/Users/{id}/: %s", got.Raw)
	}
	if got := s.want("/Groups/", s.do("GET", "/Groups/", nil), http.StatusOK); !slices.Equal(anyStrings(got.Body["schemas"]), []string{listSchema}) {
		t.Fatalf("/Groups/: %s", got.Raw)
	}
}

// Discovery tells what is supported, and only to a connection's token.
func TestScimDiscoveryNeedsTheToken(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)

	for _, path := range []string{"/ServiceProviderConfig", "/Schemas", "/ResourceTypes"} {
		s.want(path+" without a token", call(t, server.URL, "GET", s.path+path, "", nil), http.StatusUnauthorized)
	}
	config := s.want("/ServiceProviderConfig", s.do("GET", "/ServiceProviderConfig", nil), http.StatusOK)
	patch, _ := config.Body["patch"].(map[string]any)
	filter, _ := config.Body["filter"].(map[string]any)
	if patch["supported"] != true || filter["supported"] != true || !strings.Contains(config.Raw, "oauthbearertoken") {
		t.Errorf("/ServiceProviderConfig: %s", config.Raw)
	}
	if schemas := s.want("/Schemas", s.do("GET", "/Schemas", nil), http.StatusOK); !slices.Contains(listed(schemas), userSchema) ||
		!slices.Contains(listed(schemas), groupSchema) || !slices.Contains(listed(schemas), enterpriseSchema) {
		t.Errorf("/Schemas lists %v", listed(schemas))
	}
	if types := s.want("/ResourceTypes", s.do("GET", "/ResourceTypes", nil), http.StatusOK); !slices.Equal(sorted(listed(types)), []string{"Group", "User"}) {
		t.Errorf("/ResourceTypes lists %v", listed(types))
	}
}

// Deactivating the only active owner over SCIM — by PATCH or by DELETE —
// is 409 naming the rule, and the owner stays active.
func TestScimNeverDeactivatesTheSoleOwner(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)

	for what, r := range map[string]reply{
		"PATCH active false":           s.do("PATCH", "/Users/boss", patchOp(obj{"op": "replace", "path": "active", "value": false})),
		"a path-less PATCH":            s.do("PATCH", "/Users/boss", patchOp(obj{"op": "replace", "value": obj{"active": false}})),
		"DELETE (scim_delete default)": s.do("DELETE", "/Users/boss", nil),
	} {
		if detail := s.want(what, r, http.StatusConflict).str("detail"); !strings.Contains(detail, "only active owner") {
			t.Errorf("%s: the detail %q does not name the rule", what, detail)
		}
	}
	if got := s.want("boss", s.do("GET", "/Users/boss", nil), http.StatusOK); got.Body["active"] != true {
		t.Fatalf("boss reads %s", got.Raw)
	}
	if u := s.user("boss"); u.str("status") != "active" || u.str("role") != "owner" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// A user blocked in Roster stays blocked whatever SCIM sends: active true
// by PATCH or PUT is 409, and the user reads inactive.
func TestScimDoesNotUnblockABlockedUser(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	ann := s.want("create", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated).str("id")
	expect(t, "block ann", call(t, server.URL, "POST", "/v1/tenants/acme/users/"+ann+"/block", s.boss, obj{"reason": "stolen laptop"}), http.StatusOK, "")

	if got := s.want("ann", s.do("GET", "/Users/"+ann, nil), http.StatusOK); got.Body["active"] != false {
		t.Fatalf("a blocked user reads %s", got.Raw)
	}
	s.want("PATCH active true", s.do("PATCH", "/Users/"+ann, patchOp(obj{"op": "replace", "path": "active", "value": true})), http.StatusConflict)
	s.want("PUT active true", s.do("PUT", "/Users/"+ann, scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusConflict)
	if u := s.user(ann); u.str("status") != "blocked" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// An invited user reads active, and a repeated active true is a no-op:
// the user stays invited and unchanged.
func TestScimReadsAnInvitedUserAsActive(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	expect(t, "invite ann", call(t, server.URL, "POST", "/v1/tenants/acme/users", s.boss, obj{"id": "ann", "email": "ann@acme.example",
		"name": "Ann", "role": "member"}), http.StatusCreated, "")

	read := s.want("ann", s.do("GET", "/Users/ann", nil), http.StatusOK)
	if read.Body["active"] != true {
		t.Fatalf("an invited user reads %s", read.Raw)
	}
	again := s.want("active true", s.do("PATCH", "/Users/ann", patchOp(obj{"op": "replace", "value": obj{"active": true}})), http.StatusOK)
	if again.Body["active"] != true || metaVersion(again) != metaVersion(read) {
		t.Fatalf("active true changed an invited user: %s then %s", read.Raw, again.Raw)
	}
	if u := s.user("ann"); u.str("status") != "invited" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// Under a preset that enforces seats, a create beyond them is 409 naming
// seats, and creates nobody.
func TestScimRefusesACreateBeyondTheSeats(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 2, nil, nil) // boss has one

	s.want("the second seat", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated)
	refused := s.want("a third user", s.do("POST", "/Users", scimUser("bob@acme.example", "Bob", "Example", true)), http.StatusConflict)
	if !strings.Contains(refused.str("detail"), "seats") {
		t.Errorf("the detail %q does not name seats", refused.str("detail"))
	}
	if got := s.want("bob", s.do("GET", "/Users?"+filtered(`userName eq "bob@acme.example"`), nil), http.StatusOK); len(listed(got)) != 0 {
		t.Fatalf("the refused create created: %s", got.Raw)
	}
	tenant := expect(t, "the tenant", call(t, server.URL, "GET", "/v1/tenants/acme?min_position="+s.position(), s.boss, nil), http.StatusOK, "")
	if seats, _ := tenant.Body["seats"].(map[string]any); seats["used"] != float64(2) || seats["available"] != float64(0) {
		t.Fatalf("the seats: %s", tenant.Raw)
	}
}

// A connection whose group_roles does not name owner cannot make anyone
// owner — not by roles, not by a group named "Owners"; the role stays.
func TestScimRefusesOwnerFromAConnectionThatDoesNotMapIt(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, obj{"Admins": "admin"})
	ann := s.want("create", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated).str("id")

	refused := s.do("PATCH", "/Users/"+ann, patchOp(obj{"op": "replace", "path": "roles", "value": []obj{{"value": "owner", "primary": true}}}))
	if refused.Status != http.StatusForbidden && refused.Status != http.StatusBadRequest {
		t.Fatalf("roles owner: %d %s, want a refusal", refused.Status, refused.Raw)
	}
	s.want("roles owner", refused, refused.Status) // in SCIM's error format
	s.want("a group named Owners", s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "Owners",
		"members": []obj{{"value": ann}}}), http.StatusCreated)
	if got := s.want("ann", s.do("GET", "/Users/"+ann, nil), http.StatusOK); !slices.Equal(rolesOf(got), []string{"member"}) {
		t.Fatalf("ann reads %s", got.Raw)
	}
	if u := s.user(ann); u.str("role") != "member" {
		t.Fatalf("the JSON API shows %s", u.Raw)
	}
}

// A connection created with group_roles {"Owners": "owner"} grants owner:
// by roles, and to the members of its group "Owners".
func TestScimGrantsOwnerFromAConnectionThatMapsIt(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, obj{"Owners": "owner"})
	ann := s.want("create ann", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated).str("id")
	bob := s.want("create bob", s.do("POST", "/Users", scimUser("bob@acme.example", "Bob", "Example", true)), http.StatusCreated).str("id")

	s.want("roles owner", s.do("PATCH", "/Users/"+ann, patchOp(obj{"op": "replace", "path": "roles", "value": []obj{{"value": "owner", "primary": true}}})), http.StatusOK)
	s.want("bob joins Owners", s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "Owners", "members": []obj{{"value": bob}}}), http.StatusCreated)
	for _, id := range []string{ann, bob} {
		if u := s.user(id); u.str("role") != "owner" {
			t.Fatalf("the JSON API shows %s", u.Raw)
		}
	}
}

// A group's mapped role raises its members, never lowers one: an admin who
// joins a group mapped to member stays admin; a member who joins a group
// mapped to admin becomes one.
func TestScimGroupRolesRaiseAndNeverLower(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, obj{"Everyone": "member", "Admins": "admin"})
	ann := s.want("create ann", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusCreated).str("id")
	bob := s.want("create bob", s.do("POST", "/Users", scimUser("bob@acme.example", "Bob", "Example", true)), http.StatusCreated).str("id")
	s.want("ann joins Admins", s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "Admins", "members": []obj{{"value": ann}}}), http.StatusCreated)
	s.want("both join Everyone", s.do("POST", "/Groups", obj{"schemas": []string{groupSchema}, "displayName": "Everyone",
		"members": []obj{{"value": ann}, {"value": bob}}}), http.StatusCreated)
	if u := s.user(ann); u.str("role") != "admin" {
		t.Fatalf("ann, an admin who joined Everyone: %s", u.Raw)
	}
	if u := s.user(bob); u.str("role") != "member" {
		t.Fatalf("bob: %s", u.Raw)
	}
}

// A connection's token works on its own tenant's base URL only.
func TestScimRefusesATokenOfAnotherTenant(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	a := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	b := newScimTenant(t, server.URL, "globex", "strict", 10, nil, nil)
	bob := b.want("create on globex", b.do("POST", "/Users", scimUser("bob@globex.example", "Bob", "Example", true)), http.StatusCreated).str("id")

	b.want("acme's token listing globex", call(t, server.URL, "GET", b.path+"/Users", a.token, nil), http.StatusUnauthorized)
	b.want("acme's token reading globex's user", call(t, server.URL, "GET", b.path+"/Users/"+bob, a.token, nil), http.StatusUnauthorized)
	b.want("acme's token deactivating globex's user", call(t, server.URL, "PATCH", b.path+"/Users/"+bob, a.token,
		patchOp(obj{"op": "replace", "path": "active", "value": false})), http.StatusUnauthorized)
	a.want("acme's token reading globex's user on acme", a.do("GET", "/Users/"+bob, nil), http.StatusNotFound)
	if got := b.want("bob", b.do("GET", "/Users/"+bob, nil), http.StatusOK); got.Body["active"] != true {
		t.Fatalf("bob reads %s", got.Raw)
	}
}

// A revoked connection's token is refused on the next request.
func TestScimRefusesARevokedConnectionAtOnce(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	s := newScimTenant(t, server.URL, "acme", "strict", 10, nil, nil)
	s.want("before the revocation", s.do("GET", "/Users", nil), http.StatusOK)

	expect(t, "revoke", call(t, server.URL, "DELETE", "/v1/tenants/acme/scim-connections/"+s.connection, s.boss, nil), http.StatusOK, "")
	s.want("a list after the revocation", s.do("GET", "/Users", nil), http.StatusUnauthorized)
	s.want("a create after the revocation", s.do("POST", "/Users", scimUser("ann@acme.example", "Ann", "Example", true)), http.StatusUnauthorized)
	s.want("discovery after the revocation", s.do("GET", "/ServiceProviderConfig", nil), http.StatusUnauthorized)
}

// Twenty concurrent SCIM deactivations split over a tenant's two active
// owners leave exactly one of them active, in each of 20 rounds (each on a
// tenant of its own): sole-owner protection holds under concurrency on
// the SCIM path.
func TestScimConcurrentDeactivationsOfBothOwnersLeaveOneActive(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	client := &http.Client{Timeout: 30 * time.Second}
	for round := range 20 {
		s := newScimTenant(t, server.URL, fmt.Sprintf("round-%d", round), "strict", 10, nil, nil)
		httpUser(t, server.URL, s.tenant(), "olga", "owner", "member")
		owners := []string{"boss", "olga"}

		results := make([]reply, 20)
		errs := make([]error, 20)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i], errs[i] = send(client, server.URL, "PATCH", s.path+"/Users/"+owners[i%2], s.token,
					patchOp(obj{"op": "replace", "path": "active", "value": false}), "Content-Type", "application/scim+json")
			}()
		}
		close(start)
		wg.Wait()

		active := map[string]bool{}
		for _, id := range owners {
			active[id] = s.want("read "+id, s.do("GET", "/Users/"+id, nil), http.StatusOK).Body["active"] == true
			if u := s.user(id); (u.str("status") == "active") != active[id] {
				t.Fatalf("round %d: SCIM reads %s active=%v, the JSON API %s", round, id, active[id], u.Raw)
			}
		}
		if active["boss"] == active["olga"] {
			t.Fatalf("round %d: boss active %v, olga active %v; want exactly one", round, active["boss"], active["olga"])
		}
		for i, r := range results {
			id := owners[i%2]
			switch {
			case errs[i] != nil:
				t.Fatalf("round %d, request %d: %v", round, i, errs[i])
			case !active[id] && (r.Status != http.StatusOK || r.Body["active"] != false):
				t.Fatalf("round %d: the deactivation of %s, who is inactive, answered %d %s", round, id, r.Status, r.Raw)
			case active[id] && (r.Status != http.StatusConflict || !strings.Contains(r.str("detail"), "only active owner")):
				t.Fatalf("round %d: the deactivation of %s, who stayed active, answered %d %s", round, id, r.Status, r.Raw)
			}
		}
	}
}

// rolesOf is the values of a SCIM user's roles.
func rolesOf(r reply) []string {
	roles, _ := r.Body["roles"].([]any)
	out := make([]string, 0, len(roles))
	for _, role := range roles {
		m, _ := role.(map[string]any)
		v, _ := m["value"].(string)
		out = append(out, v)
	}
	return out
}

// anyStrings is a JSON array of strings as a []string.
func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}
