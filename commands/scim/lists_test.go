package scim

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func TestListFiltersAreTranslated(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   UserFilter
	}{
		{`userName eq "ann@example.com"`, UserFilter{UserName: ptr("ann@example.com")}},
		{`UserName EQ "ann@example.com"`, UserFilter{UserName: ptr("ann@example.com")}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"`, UserFilter{UserName: ptr("a")}},
		{`userName eq "a\"b"`, UserFilter{UserName: ptr(`a"b`)}},
		{`externalId eq "e1"`, UserFilter{ExternalID: ptr("e1")}},
		{`emails[type eq "work"].value eq "a@b.c"`, UserFilter{Email: ptr("a@b.c")}},
		{`emails[type eq "work" and value eq "a@b.c"]`, UserFilter{Email: ptr("a@b.c")}},
		{`emails.value eq "a@b.c"`, UserFilter{Email: ptr("a@b.c")}},
		{`userName eq "a" and externalId eq "e1"`, UserFilter{UserName: ptr("a"), ExternalID: ptr("e1")}},
		{`externalId eq "e1" AND emails[type eq "work"].value eq "a@b.c"`, UserFilter{ExternalID: ptr("e1"), Email: ptr("a@b.c")}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.do(http.MethodGet, "/Users?filter="+url.QueryEscape(tc.filter), ""), http.StatusOK, "")
			if c := s.dir.only(); c.method != "Users" || !reflect.DeepEqual(c.in, tc.want) {
				t.Errorf("got %+v, want Users %+v", c, tc.want)
			}
		})
	}
}

func TestGroupFiltersAreTranslated(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   GroupFilter
	}{
		{`displayName eq "Sales"`, GroupFilter{DisplayName: ptr("Sales")}},
		{`DisplayName Eq "Sales"`, GroupFilter{DisplayName: ptr("Sales")}},
		{`externalId eq "e1"`, GroupFilter{ExternalID: ptr("e1")}},
		{`displayName eq "Sales" and externalId eq "e1"`, GroupFilter{DisplayName: ptr("Sales"), ExternalID: ptr("e1")}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.do(http.MethodGet, "/Groups?excludedAttributes=members&filter="+url.QueryEscape(tc.filter), ""), http.StatusOK, "")
			if c := s.dir.only(); c.method != "Groups" || !reflect.DeepEqual(c.in, tc.want) {
				t.Errorf("got %+v, want Groups %+v", c, tc.want)
			}
		})
	}
}

func TestOtherFiltersAreRefused(t *testing.T) {
	for _, tc := range []struct{ path, filter string }{
		{"/Users", `userName sw "a"`},
		{"/Users", `userName eq "a" or userName eq "b"`},
		{"/Users", `not (userName eq "a")`},
		{"/Users", `title eq "CTO"`},
		{"/Users", `active eq true`},
		{"/Users", `emails[type eq "home"].value eq "a@b.c"`},
		{"/Users", `emails[type eq "work" or type eq "home"].value eq "a@b.c"`},
		{"/Users", `favouriteColour eq "red"`},
		{"/Users", `userName eq`},
		{"/Groups", `members[value eq "u1"]`},
		{"/Groups", `displayName co "Sa"`},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.do(http.MethodGet, tc.path+"?filter="+url.QueryEscape(tc.filter), ""), http.StatusBadRequest, "invalidFilter")
			if c := s.dir.only(); c.method != "none" {
				t.Errorf("the directory got %+v", c)
			}
		})
	}
}

func TestAContradictoryFilterFindsNothingWithoutAsking(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "a" and userName eq "b"`), "")
	wantStatus(t, w, http.StatusOK, "")
	if got := decode(t, w); got["totalResults"] != 0.0 || !reflect.DeepEqual(got["Resources"], []any{}) {
		t.Errorf("got %v", got)
	}
	if c := s.dir.only(); c.method != "none" {
		t.Errorf("the directory got %+v", c)
	}
}

func TestPagingParametersBecomeThePage(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  Page
	}{
		{"", Page{StartIndex: 1, Count: 100}},
		{"?startIndex=21&count=10", Page{StartIndex: 21, Count: 10}},
		{"?startIndex=0&count=5", Page{StartIndex: 1, Count: 5}},
		{"?startIndex=-3", Page{StartIndex: 1, Count: 100}},
		{"?count=5000", Page{StartIndex: 1, Count: 1000}},
		{"?count=0", Page{StartIndex: 1, Count: 0}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.do(http.MethodGet, "/Users"+tc.query, ""), http.StatusOK, "")
			if c := s.dir.only(); c.method != "Users" || c.page != tc.want {
				t.Errorf("got %+v, want page %+v", c, tc.want)
			}
		})
	}
}

func TestAnEmptyListHasEmptyResources(t *testing.T) {
	for _, path := range []string{"/Users", "/Groups"} {
		s := newService(t)
		w := s.do(http.MethodGet, path+"?filter="+url.QueryEscape(`externalId eq "nobody"`), "")
		wantStatus(t, w, http.StatusOK, "")
		want := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
			"totalResults": 0.0, "itemsPerPage": 0.0, "startIndex": 1.0, "Resources": []any{}}
		if got := decode(t, w); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v", path, got)
		}
	}
}

func TestAListCountsTheItemsOnItsPage(t *testing.T) {
	s := newService(t)
	s.dir.users, s.dir.total = []User{s.dir.user, s.dir.user}, 57
	got := decode(t, s.do(http.MethodGet, "/Users?startIndex=3&count=2", ""))
	if got["totalResults"] != 57.0 || got["itemsPerPage"] != 2.0 || got["startIndex"] != 3.0 || len(got["Resources"].([]any)) != 2 {
		t.Errorf("got %v", got)
	}
}

// Entra adds aadOptscim062020 to its URLs to opt into its fixed SCIM
// behaviour; the flag means nothing here and must not be refused.
func TestEntrasFeatureFlagIsTolerated(t *testing.T) {
	s := newService(t)
	wantStatus(t, s.do(http.MethodGet, "/Users?aadOptscim062020&filter="+url.QueryEscape(`userName eq "a"`), ""), http.StatusOK, "")
	wantStatus(t, s.do(http.MethodGet, "/Users/u1?aadOptscim062020", ""), http.StatusOK, "")
	if w := s.patch("/Groups/g1?aadOptscim062020", `[{"op":"Add","path":"members","value":[{"value":"u2"}]}]`); w.Code != http.StatusNoContent {
		t.Errorf("PATCH: status %d: %s", w.Code, w.Body)
	}
	wantStatus(t, s.do(http.MethodGet, "/ServiceProviderConfig?aadOptscim062020", ""), http.StatusOK, "")
}

func TestATrailingSlashListsLikeNone(t *testing.T) {
	for _, tc := range []struct{ path, method string }{{"/Users/", "Users"}, {"/Groups/", "Groups"}} {
		s := newService(t)
		wantStatus(t, s.do(http.MethodGet, tc.path, ""), http.StatusOK, "")
		if c := s.dir.only(); c.method != tc.method {
			t.Errorf("%s: got %+v", tc.path, c)
		}
	}
}

func TestAttributesAndExcludedAttributesShapeTheReply(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		want       map[string]any
	}{
		{"attributes_of_a_user", "/Users/u1?attributes=userName,name.givenName,emails.value", map[string]any{
			"id": "u1", "schemas": []any{userSchema, enterpriseSchema}, "userName": "ann@example.com",
			"name": map[string]any{"givenName": "Ann"}, "emails": []any{map[string]any{"value": "ann@example.com"}}}},
		{"uri_prefixed_attribute", "/Users/u1?attributes=urn:ietf:params:scim:schemas:core:2.0:User:userName,meta.version", map[string]any{
			"id": "u1", "schemas": []any{userSchema, enterpriseSchema}, "userName": "ann@example.com",
			"meta": map[string]any{"version": `W/"7"`}}},
		{"excluded_members", "/Groups/g1?excludedAttributes=members,meta,id", map[string]any{
			"id": "g1", "schemas": []any{groupSchema}, "displayName": "Sales"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			s.dir.group.ExternalID = ""
			w := s.do(http.MethodGet, tc.path, "")
			wantStatus(t, w, http.StatusOK, "")
			if got := decode(t, w); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestAListOfGroupsWithoutMembers(t *testing.T) {
	s := newService(t)
	s.dir.groups, s.dir.total = []Group{s.dir.group}, 1
	got := decode(t, s.do(http.MethodGet, "/Groups?excludedAttributes=members", ""))
	resources, _ := got["Resources"].([]any)
	if len(resources) != 1 {
		t.Fatalf("got %v", got)
	}
	if g := resources[0].(map[string]any); g["displayName"] != "Sales" || g["members"] != nil {
		t.Errorf("got %v", g)
	}
}
