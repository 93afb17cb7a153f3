package scim

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
)

// entraUser is a user as Entra ID creates one: string booleans, a home and
// a work e-mail, two roles, a password, attributes Roster keeps none of,
// and the manager as a plain string.
const entraUser = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"externalId": "ext-1", "userName": "ann@example.com", "active": "True", "displayName": "Ann Lee",
	"name": {"givenName": "Ann", "familyName": "Lee", "formatted": "Ann M. Lee"},
	"emails": [{"value": "ann@home.example", "type": "home", "primary": "True"}, {"value": "ann@work.example", "type": "work"}],
	"roles": [{"value": "member"}, {"value": "admin", "primary": "True", "type": "WindowsAzureActiveDirectoryRole"}],
	"password": "correct horse battery staple", "title": "Engineer",
	"phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "manager": "m1"}
}`

func TestCreatingAUserMapsItsAttributes(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodPost, "/Users", entraUser)
	wantStatus(t, w, http.StatusCreated, "")
	want := UserInput{UserName: "ann@example.com", ExternalID: "ext-1", DisplayName: "Ann Lee", GivenName: "Ann",
		FamilyName: "Lee", Email: "ann@work.example", Password: "correct horse battery staple", Active: ptr(true), Role: domain.RoleAdmin}
	c := s.dir.only()
	if c.method != "CreateUser" || !reflect.DeepEqual(c.in, want) || c.conn != okta {
		t.Fatalf("got %+v, want CreateUser of %+v by %v", c, want, okta)
	}
	if got := w.Header().Get("Location"); got != base+"/Users/u1" {
		t.Errorf("Location %q", got)
	}
	if strings.Contains(w.Body.String(), "password") || strings.Contains(w.Body.String(), "horse") {
		t.Errorf("the reply shows the password: %s", w.Body)
	}
}

func TestCreatingAUserPicksTheWorkThenPrimaryThenFirstEmailAndThePrimaryThenFirstRole(t *testing.T) {
	for _, tc := range []struct {
		name, emails, roles string
		email               string
		role                domain.Role
	}{
		{"work_email_over_primary", `[{"value":"p@x","primary":true},{"value":"w@x","type":"Work"}]`, `[]`, "w@x", ""},
		{"primary_email_without_work", `[{"value":"h@x","type":"home"},{"value":"p@x","primary":"true"}]`, `[]`, "p@x", ""},
		{"first_email_otherwise", `[{"value":"a@x","type":"home"},{"value":"b@x"}]`, `[]`, "a@x", ""},
		{"primary_role_as_bool", `[]`, `[{"value":"member"},{"value":"owner","primary":true}]`, "", domain.RoleOwner},
		{"first_role_without_primary", `[]`, `[{"value":"member"},{"value":"owner"}]`, "", domain.RoleMember},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.do(http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
				"userName":"ann@example.com","emails":`+tc.emails+`,"roles":`+tc.roles+`}`), http.StatusCreated, "")
			in, _ := s.dir.only().in.(UserInput)
			if in.Email != tc.email || in.Role != tc.role || in.Active != nil {
				t.Errorf("got e-mail %q role %q active %v, want %q %q nil", in.Email, in.Role, in.Active, tc.email, tc.role)
			}
		})
	}
}

func TestCreatingAUserWithoutUserNameIsRefused(t *testing.T) {
	s := newService(t)
	wantStatus(t, s.do(http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}`),
		http.StatusBadRequest, "invalidValue")
	if c := s.dir.only(); c.method != "none" {
		t.Errorf("the directory got %v", c)
	}
}

func TestReadingAUserShowsItsAttributesAndVersion(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodGet, "/Users/u1", "")
	wantStatus(t, w, http.StatusOK, "")
	want := map[string]any{
		"schemas":     []any{userSchema, enterpriseSchema},
		"id":          "u1",
		"externalId":  "ext-1",
		"userName":    "ann@example.com",
		"displayName": "Ann Lee",
		"name":        map[string]any{"givenName": "Ann", "familyName": "Lee", "formatted": "Ann Lee"},
		"emails":      []any{map[string]any{"value": "ann@example.com", "type": "work", "primary": true}},
		"active":      true,
		"roles":       []any{map[string]any{"value": "admin", "primary": true}},
		"groups":      []any{map[string]any{"value": "g1", "display": "Sales"}},
		"meta": map[string]any{"resourceType": "User", "created": "2026-01-02T03:04:05Z",
			"lastModified": "2026-01-02T04:04:05Z", "location": base + "/Users/u1", "version": `W/"7"`},
	}
	if got := decode(t, w); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if got := w.Header().Get("ETag"); got != `W/"7"` {
		t.Errorf("ETag %q", got)
	}
	if c := s.dir.only(); c.method != "User" || c.id != "u1" {
		t.Errorf("got %+v", c)
	}
}

func TestAUserWithoutRoleOrGroupsShowsNoRoles(t *testing.T) {
	s := newService(t)
	s.dir.user.Role, s.dir.user.Groups = "", nil
	got := decode(t, s.do(http.MethodGet, "/Users/u1", ""))
	if _, ok := got["roles"]; ok {
		t.Errorf("roles shown: %v", got["roles"])
	}
	if groups, ok := got["groups"].([]any); !ok || len(groups) != 0 {
		t.Errorf("groups %v, want []", got["groups"])
	}
}

func TestReplacingAUserWithActiveFalsePassesItOn(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodPut, "/Users/u1", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"ann@example.com","active":false,"emails":[{"value":"ann@example.com","primary":true}]}`)
	wantStatus(t, w, http.StatusOK, "")
	want := UserInput{UserName: "ann@example.com", Email: "ann@example.com", Active: ptr(false)}
	if c := s.dir.only(); c.method != "ReplaceUser" || c.id != "u1" || !reflect.DeepEqual(c.in, want) {
		t.Errorf("got %+v, want ReplaceUser u1 %+v", c, want)
	}
	if w.Header().Get("ETag") != `W/"7"` {
		t.Errorf("ETag %q", w.Header().Get("ETag"))
	}
}

func TestDeletingAUserAnswersNoContent(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodDelete, "/Users/u1", "")
	if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Errorf("status %d body %q", w.Code, w.Body)
	}
	if c := s.dir.only(); c.method != "DeleteUser" || c.id != "u1" {
		t.Errorf("got %+v", c)
	}
}
