package scim

import (
	"net/http"
	"reflect"
	"testing"
)

func TestCreatingAGroupMapsItsMembers(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName":"Sales","externalId":"e-g1","members":[{"value":"u1","display":"Ann"},{"value":"u2"}]}`)
	wantStatus(t, w, http.StatusCreated, "")
	want := GroupInput{DisplayName: "Sales", ExternalID: "e-g1", Members: []string{"u1", "u2"}}
	if c := s.dir.only(); c.method != "CreateGroup" || !reflect.DeepEqual(c.in, want) {
		t.Errorf("got %+v, want CreateGroup %+v", c, want)
	}
}

func TestReadingAGroupShowsItsMembers(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodGet, "/Groups/g1", "")
	wantStatus(t, w, http.StatusOK, "")
	got := decode(t, w)
	want := []any{map[string]any{"value": "u1", "display": "Ann Lee", "type": "User"}}
	if got["displayName"] != "Sales" || !reflect.DeepEqual(got["members"], want) {
		t.Errorf("got %v", got)
	}
	if w.Header().Get("ETag") != `W/"3"` {
		t.Errorf("ETag %q", w.Header().Get("ETag"))
	}
}

func TestReplacingAGroupReplacesItsMembers(t *testing.T) {
	s := newService(t)
	wantStatus(t, s.do(http.MethodPut, "/Groups/g1", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName":"Sales","members":[]}`), http.StatusOK, "")
	want := GroupInput{DisplayName: "Sales", Members: []string{}}
	if c := s.dir.only(); c.method != "ReplaceGroup" || c.id != "g1" || !reflect.DeepEqual(c.in, want) {
		t.Errorf("got %+v, want ReplaceGroup g1 %+v", c, want)
	}
}

func TestPatchingAGroupMapsOperationsToChangesAndAnswersNoContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  string
		want GroupChanges
	}{
		{"add_members", `[{"op":"Add","path":"members","value":[{"value":"u2"}]}]`, GroupChanges{Add: []string{"u2"}}},
		{"remove_one_member_by_filter", `[{"op":"Remove","path":"members[value eq \"u2\"]"}]`, GroupChanges{Remove: []string{"u2"}}},
		{"remove_members_by_or_filter", `[{"op":"remove","path":"members[value eq \"u2\" or value eq \"u3\"]"}]`, GroupChanges{Remove: []string{"u2", "u3"}}},
		{"entra_legacy_removal", `[{"op":"Remove","path":"members","value":[{"value":"u2"},{"value":"u3"}]}]`, GroupChanges{Remove: []string{"u2", "u3"}}},
		{"replace_members", `[{"op":"replace","path":"members","value":[{"value":"u4"}]}]`, GroupChanges{Replace: ptr([]string{"u4"})}},
		{"remove_all_members", `[{"op":"remove","path":"members"}]`, GroupChanges{Replace: ptr([]string{})}},
		{"rename", `[{"op":"Replace","path":"displayName","value":"Sales EU"}]`, GroupChanges{DisplayName: ptr("Sales EU")}},
		{"okta_rename_with_id", `[{"op":"replace","value":{"id":"g1","displayName":"Sales EU"}}]`, GroupChanges{DisplayName: ptr("Sales EU")}},
		{"pathless_add_of_members", `[{"op":"Add","value":{"members":[{"value":"u5"}]}}]`, GroupChanges{Add: []string{"u5"}}},
		{"external_id", `[{"op":"add","path":"externalId","value":"e2"}]`, GroupChanges{ExternalID: ptr("e2")}},
		{"leave_then_join", `[{"op":"remove","path":"members[value eq \"u2\"]"},{"op":"add","path":"members","value":[{"value":"u2"}]}]`,
			GroupChanges{Add: []string{"u2"}}},
		{"replace_then_join_and_leave", `[{"op":"replace","path":"members","value":[{"value":"a"},{"value":"b"}]},
			{"op":"add","path":"members","value":[{"value":"c"}]},{"op":"remove","path":"members[value eq \"a\"]"}]`,
			GroupChanges{Replace: ptr([]string{"b", "c"})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			w := s.patch("/Groups/g1", tc.ops)
			if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
				t.Fatalf("status %d body %s, want 204 and no body", w.Code, w.Body)
			}
			if c := s.dir.only(); c.method != "ChangeGroup" || c.id != "g1" || !reflect.DeepEqual(c.in, tc.want) {
				t.Errorf("got %+v\nwant ChangeGroup g1 %+v", c, tc.want)
			}
		})
	}
}

func TestPatchingNothingAGroupKeepsReadsIt(t *testing.T) {
	s := newService(t)
	w := s.patch("/Groups/g1", `[{"op":"replace","path":"members[value eq \"u1\"].display","value":"A"}]`)
	if w.Code != http.StatusNoContent {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if c := s.dir.only(); c.method != "Group" || c.id != "g1" {
		t.Errorf("got %+v, want Group g1", c)
	}
}

func TestPatchingAGroupWrongIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, ops, scimType string
	}{
		{"remove_by_another_filter", `[{"op":"remove","path":"members[display eq \"Ann\"]"}]`, "invalidFilter"},
		{"add_with_a_filter", `[{"op":"add","path":"members[value eq \"u1\"]","value":{"value":"u1"}}]`, "invalidPath"},
		{"removing_the_display_name", `[{"op":"remove","path":"displayName"}]`, "mutability"},
		{"member_without_value", `[{"op":"add","path":"members","value":[{"display":"Ann"}]}]`, "invalidValue"},
		{"unknown_attribute", `[{"op":"add","path":"owner","value":"u1"}]`, "invalidPath"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.patch("/Groups/g1", tc.ops), http.StatusBadRequest, tc.scimType)
			if c := s.dir.only(); c.method != "none" {
				t.Errorf("the directory got %+v", c)
			}
		})
	}
}
