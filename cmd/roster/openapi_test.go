package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/writeapi"
	"github.com/rosterhq/roster/infra/webhookapi"
)

// servedBesideTheSurface are the operations serve adds to wiring.Router's
// router: none (the surface serves /metrics too).
var servedBesideTheSurface = []string{}

// openAPI fetches GET /v1/openapi.json without a token from a fresh service
// and loads it; it also returns the service.
func openAPI(t *testing.T) (*openapi3.T, *httptest.Server) {
	t.Helper()
	_, server := serviceOnFreshDatabase(t)
	r := call(t, server.URL, "GET", "/v1/openapi.json", "", nil)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Status != http.StatusOK || ct != "application/json" {
		t.Fatalf("GET /v1/openapi.json without a token: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(r.Raw))
	if err != nil {
		t.Fatalf("the OpenAPI document does not load: %v", err)
	}
	return doc, server
}

// The OpenAPI document, served without a token, is valid OpenAPI 3.1 and
// cannot drift from the code: its operations are the router's, its request
// bodies the write API's structs, its problem codes the domain's, and the
// replies of a story over HTTP conform to it. One service serves every check.
func TestOpenAPIDocumentMatchesTheCode(t *testing.T) {
	t.Parallel()
	doc, server := openAPI(t)
	t.Run("is_valid_openapi_3.1", func(t *testing.T) { validOpenAPI31(t, doc) })
	t.Run("has_exactly_the_routes_of_the_router", func(t *testing.T) { sameRoutes(t, doc, server) })
	t.Run("request_bodies_have_exactly_the_fields_of_their_structs", func(t *testing.T) { sameBodies(t, doc) })
	t.Run("problem_codes_are_the_domains_codes", func(t *testing.T) { sameCodes(t, doc) })
	t.Run("replies_of_a_story_conform_to_their_schemas", func(t *testing.T) { storyConforms(t, doc, server) })
}

func validOpenAPI31(t *testing.T, doc *openapi3.T) {
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi is %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
}

// The document's operations are exactly the router's routes: a route added,
// renamed or dropped without the document (or the reverse) fails here.
func sameRoutes(t *testing.T, doc *openapi3.T, server *httptest.Server) {
	routed := slices.Clone(servedBesideTheSurface)
	err := chi.Walk(server.Config.Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if outsideTheJSONAPI(route) {
			return nil
		}
		if route != "/" {
			route = strings.TrimSuffix(route, "/")
		}
		routed = append(routed, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	documented := []string{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	for _, missing := range difference(routed, documented) {
		t.Errorf("%s is routed but not in the OpenAPI document", missing)
	}
	for _, extra := range difference(documented, routed) {
		t.Errorf("%s is in the OpenAPI document but not routed", extra)
	}
}

// difference lists the elements of a that are not in b, sorted.
func difference(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// Every body the write API decodes is documented with exactly its struct's
// JSON fields, closed to others (unknown fields are refused), at every level.
func sameBodies(t *testing.T, doc *openapi3.T) {
	bodies := writeapi.RequestBodies()
	maps.Copy(bodies, webhookapi.RequestBodies())
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			typ, decoded := bodies[key]
			switch {
			case op.RequestBody == nil && decoded:
				t.Errorf("%s decodes a %v body, but the document has none", key, typ)
			case op.RequestBody != nil && !decoded:
				t.Errorf("%s documents a body, but writeapi.RequestBodies has none", key)
			case decoded:
				media := op.RequestBody.Value.Content.Get("application/json")
				if media == nil || media.Schema == nil {
					t.Errorf("%s: the body is not documented as application/json", key)
					continue
				}
				compareBody(t, key, typ, media.Schema.Value)
			}
			delete(bodies, key)
		}
	}
	for key := range bodies {
		t.Errorf("writeapi.RequestBodies names %s, which the document does not have", key)
	}
	for _, name := range bodyStructsNotListed(t) {
		t.Errorf("commands/writeapi declares %s, which writeapi.RequestBodies does not reach", name)
	}
}

// compareBody checks that schema is a closed object with exactly typ's JSON
// fields, and recurses into the fields that are structs.
func compareBody(t *testing.T, where string, typ reflect.Type, schema *openapi3.Schema) {
	t.Helper()
	fields := jsonFields(typ)
	if has := schema.AdditionalProperties.Has; has == nil || *has {
		t.Errorf("%s: the schema does not say additionalProperties: false", where)
	}
	for _, name := range difference(keys(fields), keys(schema.Properties)) {
		t.Errorf("%s: field %q of %v is not documented", where, name, typ)
	}
	for _, name := range difference(keys(schema.Properties), keys(fields)) {
		t.Errorf("%s: property %q is documented but %v has no such field", where, name, typ)
	}
	for _, name := range difference(schema.Required, keys(schema.Properties)) {
		t.Errorf("%s: required %q is not a property", where, name)
	}
	for name, ft := range fields {
		prop := schema.Properties[name]
		switch {
		case prop == nil:
		case decodedAsObject(ft):
			compareBody(t, where+"."+name, ft, prop.Value)
		case ft.Kind() == reflect.Slice && decodedAsObject(ft.Elem()):
			if prop.Value.Items == nil {
				t.Errorf("%s.%s: an array of objects without items", where, name)
				continue
			}
			compareBody(t, where+"."+name+"[]", ft.Elem(), prop.Value.Items.Value)
		}
	}
}

// jsonFields are the names encoding/json decodes into typ, with their types
// (pointers removed); embedded structs without a tag are flattened.
func jsonFields(typ reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
		case f.Anonymous && tag == "" && ft.Kind() == reflect.Struct:
			for n, t := range jsonFields(ft) {
				fields[n] = t
			}
		case name == "":
			fields[f.Name] = ft
		default:
			fields[name] = ft
		}
	}
	return fields
}

// decodedAsObject reports whether encoding/json decodes a JSON object into
// typ field by field (a struct without its own UnmarshalJSON).
func decodedAsObject(typ reflect.Type) bool {
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	return typ.Kind() == reflect.Struct && !reflect.PointerTo(typ).Implements(unmarshaler) && typ != reflect.TypeFor[time.Time]()
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// bodyStructsNotListed names the *Body types declared in commands/writeapi
// that no type of writeapi.RequestBodies is or holds: a new endpoint's body
// must be listed there to be checked against the document.
func bodyStructsNotListed(t *testing.T) []string {
	t.Helper()
	reached := []string{}
	var reach func(typ reflect.Type)
	reach = func(typ reflect.Type) {
		reached = append(reached, typ.Name())
		for _, ft := range jsonFields(typ) {
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if decodedAsObject(ft) {
				reach(ft)
			}
		}
	}
	for _, typ := range writeapi.RequestBodies() {
		reach(typ)
	}
	return difference(declaredBodyStructs(t), reached)
}

// declaredBodyStructs names the types of commands/writeapi (tests aside)
// whose names end in Body.
func declaredBodyStructs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../commands/writeapi/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in commands/writeapi: %v", err)
	}
	declared := []string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if spec, ok := n.(*ast.TypeSpec); ok && strings.HasSuffix(spec.Name.Name, "Body") {
				declared = append(declared, spec.Name.Name)
			}
			return true
		})
	}
	return declared
}

// The problem document's code enum is exactly the domain's vocabulary.
func sameCodes(t *testing.T, doc *openapi3.T) {
	problem := doc.Components.Schemas["Problem"]
	if problem == nil || problem.Value.Properties["code"] == nil {
		t.Fatal("the document has no Problem schema with a code")
	}
	documented := []string{}
	for _, v := range problem.Value.Properties["code"].Value.Enum {
		documented = append(documented, v.(string))
	}
	declared := domainCodes(t)
	for _, c := range difference(declared, documented) {
		t.Errorf("code %q of domain/errors.go is not in the Problem schema", c)
	}
	for _, c := range difference(documented, declared) {
		t.Errorf("code %q of the Problem schema is not in domain/errors.go", c)
	}
}

// domainCodes reads the values of domain/errors.go's Code constants.
func domainCodes(t *testing.T) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "../../domain/errors.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{}
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		if ident, typed := spec.Type.(*ast.Ident); !typed || ident.Name != "Code" {
			return true
		}
		for _, v := range spec.Values {
			if lit, ok := v.(*ast.BasicLit); ok {
				s, _ := strconv.Unquote(lit.Value)
				codes = append(codes, s)
			}
		}
		return true
	})
	if len(codes) < 10 {
		t.Fatalf("found only %v in domain/errors.go", codes)
	}
	return codes
}

// The replies of a story over HTTP, successes and refusals, conform to the
// schemas the document gives their operation and status.
func storyConforms(t *testing.T, doc *openapi3.T, server *httptest.Server) {
	step := func(method, route, path, token string, body any, want int, headers ...string) reply {
		t.Helper()
		r := expect(t, method+" "+path, call(t, server.URL, method, path, token, body, headers...), want, "")
		conforms(t, doc, method, route, r)
		return r
	}
	const tenant, user = "/v1/tenants/{tenant}", "/v1/tenants/{tenant}/users/{user}"
	step("POST", "/v1/tenants", "/v1/tenants", "op-token", obj{"id": "acme", "name": "Acme", "preset": "helpdesk", "seats": 5,
		"owner": obj{"email": "olive@acme.example", "name": "Olive Owner", "password": "correct horse"}}, http.StatusCreated)
	step("POST", tenant+"/sessions", "/v1/tenants/acme/sessions", "", obj{"email": "olive@acme.example", "password": "wrong"}, http.StatusUnauthorized)
	owner := step("POST", tenant+"/sessions", "/v1/tenants/acme/sessions", "", obj{"email": "olive@acme.example", "password": "correct horse"}, http.StatusCreated).str("token")
	step("POST", "/v1/introspect", "/v1/introspect", "op-token", obj{"token": owner}, http.StatusOK)
	step("POST", tenant+"/users", "/v1/tenants/acme/users", owner, obj{"id": "ann", "email": "ann@acme.example", "name": "Ann", "role": "member"}, http.StatusCreated)
	version := step("POST", user+"/activate", "/v1/tenants/acme/users/ann/activate", owner, nil, http.StatusOK).Body["version"]
	step("PUT", user+"/role", "/v1/tenants/acme/users/ann/role", owner, obj{"role": "admin"}, http.StatusOK, "If-Match", fmt.Sprintf(`"%v"`, version))
	step("PUT", tenant+"/teams/{team}", "/v1/tenants/acme/teams/support", owner, obj{"name": "Support", "leader": "ann"}, http.StatusOK)
	step("PUT", tenant+"/work/{item}", "/v1/tenants/acme/work/job-1", owner, obj{"kind": "job", "assignee": "ann"}, http.StatusOK)
	step("POST", user+"/deactivate", "/v1/tenants/acme/users/ann/deactivate?dry_run=true", owner, obj{"handoff_to": "unassigned"}, http.StatusOK)
	step("POST", tenant+"/ownership-transfers", "/v1/tenants/acme/ownership-transfers?dry_run=true", owner, obj{"from": "ann", "to": "unassigned"}, http.StatusOK)
	step("POST", tenant+"/bulk", "/v1/tenants/acme/bulk", owner, obj{"atomic": false, "dry_run": true, "actions": []obj{
		{"action": "block", "user": "ann"}, {"action": "deactivate", "user": "nobody"}, {"action": "transfer", "from": "ann", "to": "unassigned"}}}, http.StatusOK)
	step("POST", tenant+"/bulk", "/v1/tenants/acme/bulk?dry_run=true", owner, obj{"atomic": true, "actions": []obj{
		{"action": "block", "user": "ann"}, {"action": "deactivate", "user": "nobody"}}}, http.StatusNotFound)
	position := step("POST", user+"/deactivate", "/v1/tenants/acme/users/ann/deactivate", owner, obj{"handoff_to": "unassigned"}, http.StatusOK).str("position")
	wait := "?min_position=" + position
	step("GET", tenant, "/v1/tenants/acme"+wait, owner, nil, http.StatusOK)
	step("GET", tenant+"/users", "/v1/tenants/acme/users"+wait+"&limit=1", owner, nil, http.StatusOK)
	step("GET", user, "/v1/tenants/acme/users/ann"+wait, owner, nil, http.StatusOK)
	step("GET", user+"/history", "/v1/tenants/acme/users/ann/history"+wait, owner, nil, http.StatusOK)
	step("GET", tenant+"/teams", "/v1/tenants/acme/teams"+wait, owner, nil, http.StatusOK)
	step("GET", tenant+"/work", "/v1/tenants/acme/work"+wait, owner, nil, http.StatusOK)
	step("GET", tenant+"/audit", "/v1/tenants/acme/audit"+wait, owner, nil, http.StatusOK)
	step("POST", "/v1/projections/{name}/rebuild", "/v1/projections/work_v1/rebuild", "op-token", nil, http.StatusAccepted)
	step("GET", "/v1/projections", "/v1/projections", "op-token", nil, http.StatusOK)
	step("GET", "/v1/projections", "/v1/projections", owner, nil, http.StatusForbidden)
	step("GET", "/healthz", "/healthz", "", nil, http.StatusOK)
}

// conforms checks r's body against the schema the document gives the
// operation (method, route) for r's status and content type.
func conforms(t *testing.T, doc *openapi3.T, method, route string, r reply) {
	t.Helper()
	item := doc.Paths.Value(route)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s is not in the document", method, route)
	}
	answer := item.GetOperation(method).Responses.Status(r.Status)
	if answer == nil {
		t.Fatalf("%s %s answered %d, which the document does not list", method, route, r.Status)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	media := answer.Value.Content.Get(ct)
	if media == nil || media.Schema == nil {
		t.Fatalf("%s %s answered %d as %q, which the document does not describe", method, route, r.Status, ct)
	}
	var body any
	if err := json.Unmarshal([]byte(r.Raw), &body); err != nil {
		t.Fatalf("%s %s: %v", method, route, err)
	}
	if err := media.Schema.Value.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("%s %s %d does not conform to the document: %v\n%s", method, route, r.Status, err, r.Raw)
	}
}
