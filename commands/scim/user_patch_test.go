package scim

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/rosterhq/roster/domain"
)

func TestPatchingAUserMapsOperationsToChanges(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  string
		want UserChanges
	}{
		{"capitalised_replace", `[{"op":"Replace","path":"displayName","value":"Ann B"}]`, UserChanges{DisplayName: ptr("Ann B")}},
		{"capitalised_add", `[{"op":"Add","path":"externalId","value":"e2"}]`, UserChanges{ExternalID: ptr("e2")}},
		{"capitalised_remove_clears", `[{"op":"Remove","path":"name.familyName"}]`, UserChanges{FamilyName: ptr("")}},
		{"pathless_replace_deactivates", `[{"op":"replace","value":{"active":false}}]`, UserChanges{Active: ptr(false)}},
		{"string_false_deactivates", `[{"op":"Replace","path":"active","value":"False"}]`, UserChanges{Active: ptr(false)}},
		{"string_true_in_a_pathless_replace", `[{"op":"replace","value":{"active":"True"}}]`, UserChanges{Active: ptr(true)}},
		{"okta_sends_the_id_along", `[{"op":"replace","value":{"id":"u1","active":false}}]`, UserChanges{Active: ptr(false)}},
		{"dotted_keys_in_a_pathless_replace", `[{"op":"replace","value":{"name.givenName":"Ann",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"x",
			"emails[type eq \"work\"].value":"a@b.c"}}]`, UserChanges{GivenName: ptr("Ann"), Email: ptr("a@b.c")}},
		{"work_email_path", `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"new@x"}]`, UserChanges{Email: ptr("new@x")}},
		{"work_email_value", `[{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"new@x","type":"work"}}]`, UserChanges{Email: ptr("new@x")}},
		{"emails_list", `[{"op":"add","path":"emails","value":[{"value":"h@x","type":"home"},{"value":"w@x","type":"work"}]}]`, UserChanges{Email: ptr("w@x")}},
		{"emails_value", `[{"op":"replace","path":"emails.value","value":"e@x"}]`, UserChanges{Email: ptr("e@x")}},
		{"primary_role_with_string_true", `[{"op":"Replace","path":"roles[primary eq \"True\"].value","value":"owner"}]`, UserChanges{Role: ptr(domain.RoleOwner)}},
		{"primary_role_with_bool", `[{"op":"replace","path":"roles[primary eq true].value","value":"member"}]`, UserChanges{Role: ptr(domain.RoleMember)}},
		{"roles_list_string_primary", `[{"op":"Add","path":"roles","value":[{"value":"member"},{"value":"admin","primary":"True"}]}]`, UserChanges{Role: ptr(domain.RoleAdmin)}},
		{"roles_list_first_without_primary", `[{"op":"Add","path":"roles","value":[{"value":"manager"},{"value":"admin"}]}]`, UserChanges{Role: ptr(domain.RoleManager)}},
		{"user_name_and_names", `[{"op":"replace","path":"userName","value":"b@x"},{"op":"replace","path":"name","value":{"givenName":"B","familyName":"C"}}]`,
			UserChanges{UserName: ptr("b@x"), GivenName: ptr("B"), FamilyName: ptr("C")}},
		{"uri_prefixed_core_path", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName","value":"D"}]`, UserChanges{GivenName: ptr("D")}},
		{"remove_display_name_clears", `[{"op":"Remove","path":"displayName"}]`, UserChanges{DisplayName: ptr("")}},
		{"later_operation_wins", `[{"op":"replace","path":"active","value":false},{"op":"replace","path":"active","value":true}]`, UserChanges{Active: ptr(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			w := s.patch("/Users/u1", tc.ops)
			wantStatus(t, w, http.StatusOK, "")
			if c := s.dir.only(); c.method != "ChangeUser" || c.id != "u1" || !reflect.DeepEqual(c.in, tc.want) {
				t.Errorf("got %+v\nwant ChangeUser u1 %+v", c, tc.want)
			}
			if got := decode(t, w); got["userName"] != "ann@example.com" || w.Header().Get("ETag") != `W/"7"` {
				t.Errorf("the reply is not the user: %v", got)
			}
		})
	}
}

// Operations on what Roster keeps none of change nothing: the user is
// read, not changed, and answered.
func TestPatchingOnlyIgnoredAttributesReadsTheUser(t *testing.T) {
	for _, tc := range []struct{ name, ops string }{
		{"manager_as_a_plain_string", `[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m1"}]`},
		{"manager_removed_with_a_string", `[{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m1"}]`},
		{"enterprise_object", `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"x","manager":"y"}}}]`},
		{"home_email", `[{"op":"replace","path":"emails[type eq \"home\"].value","value":"h@x"}]`},
		{"title_and_phone", `[{"op":"Replace","path":"title","value":"CTO"},{"op":"Add","path":"phoneNumbers[type eq \"work\"].value","value":"1"}]`},
		{"formatted_name", `[{"op":"replace","path":"name.formatted","value":"A B"}]`},
		{"removing_active_emails_or_roles", `[{"op":"Remove","path":"active"},{"op":"Remove","path":"emails"},{"op":"Remove","path":"roles[value eq \"admin\"]"}]`},
		{"password", `[{"op":"replace","path":"password","value":"p"}]`},
		{"only_the_id", `[{"op":"replace","value":{"id":"u1"}}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.patch("/Users/u1", tc.ops), http.StatusOK, "")
			if c := s.dir.only(); c.method != "User" || c.id != "u1" {
				t.Errorf("got %+v, want User u1", c)
			}
		})
	}
}

func TestPatchingAUserWrongIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, ops, scimType string
	}{
		{"unknown_attribute", `[{"op":"replace","path":"favouriteColour","value":"red"}]`, "invalidPath"},
		{"unknown_key_of_a_pathless_replace", `[{"op":"replace","value":{"active":false,"favouriteColour":"red"}}]`, "invalidPath"},
		{"unknown_sub_attribute", `[{"op":"replace","path":"name.nickname","value":"x"}]`, "invalidPath"},
		{"malformed_path", `[{"op":"replace","path":"emails[type eq","value":"x"}]`, "invalidPath"},
		{"removing_the_user_name", `[{"op":"Remove","path":"userName"}]`, "mutability"},
		{"writing_groups", `[{"op":"add","path":"groups","value":[{"value":"g2"}]}]`, "mutability"},
		{"active_not_a_boolean", `[{"op":"replace","path":"active","value":"maybe"}]`, "invalidValue"},
		{"unknown_op", `[{"op":"merge","path":"active","value":true}]`, "invalidValue"},
		{"remove_without_path", `[{"op":"remove","value":{"active":true}}]`, "noTarget"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.patch("/Users/u1", tc.ops), http.StatusBadRequest, tc.scimType)
			if c := s.dir.only(); c.method != "none" {
				t.Errorf("the directory got %+v", c)
			}
		})
	}
}
