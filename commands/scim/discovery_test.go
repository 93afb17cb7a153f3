package scim

import (
	"net/http"
	"reflect"
	"testing"
)

func TestTheServiceProviderConfigSaysWhatIsSupported(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodGet, "/ServiceProviderConfig", "")
	wantStatus(t, w, http.StatusOK, "")
	got := decode(t, w)
	for feature, want := range map[string]bool{"patch": true, "filter": true, "bulk": false, "changePassword": false, "sort": false, "etag": false} {
		if f, _ := got[feature].(map[string]any); f["supported"] != want {
			t.Errorf("%s: %v, want supported %v", feature, got[feature], want)
		}
	}
	if f, _ := got["filter"].(map[string]any); f["maxResults"] != float64(maxCount) {
		t.Errorf("filter: %v, want maxResults %d", got["filter"], maxCount)
	}
	schemes, _ := got["authenticationSchemes"].([]any)
	if len(schemes) != 1 || schemes[0].(map[string]any)["type"] != "oauthbearertoken" {
		t.Errorf("authenticationSchemes %v", got["authenticationSchemes"])
	}
}

func TestTheSchemasNeverReturnThePassword(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodGet, "/Schemas/"+userSchema, "")
	wantStatus(t, w, http.StatusOK, "")
	attrs, _ := decode(t, w)["attributes"].([]any)
	found := map[string]map[string]any{}
	for _, a := range attrs {
		a := a.(map[string]any)
		found[a["name"].(string)] = a
	}
	if p := found["password"]; p["mutability"] != "writeOnly" || p["returned"] != "never" {
		t.Errorf("password %v", p)
	}
	if g := found["groups"]; g["mutability"] != "readOnly" {
		t.Errorf("groups %v", g)
	}
	if u := found["userName"]; u["required"] != true {
		t.Errorf("userName %v", u)
	}
	for _, id := range []string{enterpriseSchema, groupSchema} {
		wantStatus(t, s.do(http.MethodGet, "/Schemas/"+id, ""), http.StatusOK, "")
	}
}

func TestTheResourceTypesAreUsersAndGroups(t *testing.T) {
	s := newService(t)
	w := s.do(http.MethodGet, "/ResourceTypes/", "")
	wantStatus(t, w, http.StatusOK, "")
	resources, _ := decode(t, w)["Resources"].([]any)
	var endpoints []any
	for _, r := range resources {
		endpoints = append(endpoints, r.(map[string]any)["endpoint"])
	}
	if !reflect.DeepEqual(endpoints, []any{"/Users", "/Groups"}) {
		t.Errorf("endpoints %v", endpoints)
	}
	user := decode(t, s.do(http.MethodGet, "/ResourceTypes/User", ""))
	want := []any{map[string]any{"schema": enterpriseSchema, "required": false}}
	if !reflect.DeepEqual(user["schemaExtensions"], want) {
		t.Errorf("User's extensions %v", user["schemaExtensions"])
	}
}

func TestAnUnknownEndpointIsNotFound(t *testing.T) {
	s := newService(t)
	wantStatus(t, s.do(http.MethodGet, "/Teams", ""), http.StatusNotFound, "")
}
