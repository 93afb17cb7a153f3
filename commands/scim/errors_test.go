package scim

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
)

func TestRefusalsAreMappedToSCIMErrors(t *testing.T) {
	for _, tc := range []struct {
		code     domain.Code
		status   int
		scimType string
	}{
		{domain.CodeNotFound, http.StatusNotFound, ""},
		{domain.CodeUserDeleted, http.StatusNotFound, ""},
		{domain.CodeEmailTaken, http.StatusConflict, "uniqueness"},
		{domain.CodeSeatLimit, http.StatusConflict, ""},
		{domain.CodeSoleOwner, http.StatusConflict, ""},
		{domain.CodeTeamLeader, http.StatusConflict, ""},
		{domain.CodeInvalidTransition, http.StatusConflict, ""},
		{domain.CodeDeletionDisabled, http.StatusConflict, ""},
		{domain.CodeVersionMismatch, http.StatusConflict, ""},
		{domain.CodeHigherRole, http.StatusForbidden, ""},
		{domain.CodeForbidden, http.StatusForbidden, ""},
		{domain.CodeInvalid, http.StatusBadRequest, "invalidValue"},
		{domain.CodeUnauthenticated, http.StatusUnauthorized, ""},
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			s := newService(t)
			s.dir.err = domain.NewError(tc.code, "the rule of %s", tc.code)
			w := s.patch("/Users/u1", `[{"op":"replace","path":"active","value":false}]`)
			wantStatus(t, w, tc.status, tc.scimType)
			if got := decode(t, w)["detail"]; got != "the rule of "+string(tc.code) {
				t.Errorf("detail %q", got)
			}
			log := s.log.String()
			if !strings.Contains(log, `"level":"INFO"`) || !strings.Contains(log, `"code":"`+string(tc.code)+`"`) ||
				!strings.Contains(log, `"connection":"okta"`) || strings.Contains(log, "the rule of") {
				t.Errorf("the refusal is logged as %s", log)
			}
		})
	}
}

// A conflict that names its field is about a value another resource has
// (another user's external id): uniqueness, as a taken e-mail is.
func TestAConflictNamingAFieldIsUniqueness(t *testing.T) {
	s := newService(t)
	s.dir.err = &domain.Error{Code: domain.CodeInvalidTransition, Field: "external_id", Detail: "another user of the tenant has this external id"}
	wantStatus(t, s.patch("/Users/u1", `[{"op":"replace","path":"externalId","value":"e2"}]`), http.StatusConflict, "uniqueness")
}

func TestFailuresAre500WithAGenericDetail(t *testing.T) {
	for name, err := range map[string]error{
		"internal":    fmt.Errorf("postgres: insert user: %w", errors.New("connection reset")),
		"unavailable": domain.UnavailableError(),
	} {
		t.Run(name, func(t *testing.T) {
			s := newService(t)
			s.dir.err = err
			w := s.do(http.MethodPost, "/Users", entraUser)
			wantStatus(t, w, http.StatusInternalServerError, "")
			if detail, _ := decode(t, w)["detail"].(string); !strings.HasPrefix(detail, "internal error") || strings.Contains(detail, "postgres") {
				t.Errorf("detail %q", detail)
			}
			if !strings.Contains(s.log.String(), `"connection":"okta"`) {
				t.Errorf("not logged: %s", s.log)
			}
		})
	}
}

func TestNoTokenEmailOrNameIsLogged(t *testing.T) {
	s := newService(t)
	s.dir.err = domain.NewError(domain.CodeEmailTaken, "ann@work.example is taken")
	s.do(http.MethodPost, "/Users", entraUser)
	s.dir.err = domain.NewError(domain.CodeSeatLimit, "no seat for Ann Lee")
	s.patch("/Users/u1", `[{"op":"replace","path":"displayName","value":"Ann Lee"}]`)
	s.send(http.MethodGet, "/Users", "", "Bearer secret-token")
	for _, secret := range []string{"ann@", "Ann", "Lee", "good", "secret-token", "horse"} {
		if strings.Contains(s.log.String(), secret) {
			t.Errorf("the log holds %q: %s", secret, s.log)
		}
	}
}

func TestAuthentication(t *testing.T) {
	for _, tc := range []struct {
		name, path, authorization string
		status                    int
	}{
		{"missing", base, "", http.StatusUnauthorized},
		{"another_scheme", base, "Basic Z29vZA==", http.StatusUnauthorized},
		{"unknown_token", base, "Bearer bad", http.StatusUnauthorized},
		{"another_tenant", "/v1/tenants/other/scim/v2", "Bearer good", http.StatusUnauthorized},
		{"lower_case_scheme", base, "bearer good", http.StatusOK},
		{"authenticator_failure", base, "Bearer broken", http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			w := s.sendFull(http.MethodGet, tc.path+"/ServiceProviderConfig", "", tc.authorization)
			wantStatus(t, w, tc.status, "")
			if tc.status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate")
			}
		})
	}
}

func TestAResourceHandlerSeesTheConnection(t *testing.T) {
	s := newService(t)
	s.do(http.MethodDelete, "/Groups/g1", "")
	if c := s.dir.only(); c.method != "DeleteGroup" || c.conn != okta {
		t.Errorf("got %+v", c)
	}
}

func TestBadBodiesAreRefusedAsTheClientsFault(t *testing.T) {
	patchOp := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		scimType                 string
	}{
		{"too_large", http.MethodPost, "/Users", `{"userName":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge, ""},
		{"malformed_post", http.MethodPost, "/Users", `{"userName":`, http.StatusBadRequest, "invalidSyntax"},
		{"malformed_put", http.MethodPut, "/Groups/g1", `{"displayName":"x"`, http.StatusBadRequest, "invalidSyntax"},
		{"malformed_patch", http.MethodPatch, "/Users/u1", `{"Operations":[`, http.StatusBadRequest, "invalidSyntax"},
		{"empty_post", http.MethodPost, "/Users", ``, http.StatusBadRequest, "invalidSyntax"},
		{"array_body", http.MethodPost, "/Groups", `[]`, http.StatusBadRequest, "invalidSyntax"},
		{"trailing_data", http.MethodPost, "/Groups", `{"displayName":"x"} {}`, http.StatusBadRequest, "invalidSyntax"},
		{"no_schemas", http.MethodPost, "/Users", `{"userName":"a"}`, http.StatusBadRequest, "invalidSyntax"},
		{"operations_not_a_list", http.MethodPatch, "/Users/u1", patchOp + `"x"}`, http.StatusBadRequest, "invalidSyntax"},
		{"no_operations", http.MethodPatch, "/Users/u1", patchOp + `[]}`, http.StatusBadRequest, "invalidValue"},
		{"operation_not_an_object", http.MethodPatch, "/Groups/g1", patchOp + `[1]}`, http.StatusBadRequest, "invalidPath"},
		{"path_not_a_string", http.MethodPatch, "/Groups/g1", patchOp + `[{"op":"add","path":1,"value":{"displayName":"x"}}]}`, http.StatusBadRequest, "invalidPath"},
		{"display_name_not_a_string", http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":7}`, http.StatusBadRequest, "invalidValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t)
			wantStatus(t, s.do(tc.method, tc.path, tc.body), tc.status, tc.scimType)
			if c := s.dir.only(); c.method != "none" {
				t.Errorf("the directory got %+v", c)
			}
		})
	}
}

func TestBadQueriesAreRefusedAsTheClientsFault(t *testing.T) {
	for _, path := range []string{"/Users?count=many", "/Users?startIndex=x", "/Groups?filter=%28%28"} {
		s := newService(t)
		if w := s.do(http.MethodGet, path, ""); w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d: %s", path, w.Code, w.Body)
		}
	}
}
