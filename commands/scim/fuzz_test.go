package scim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzClientMistakesAreNever500 sends hostile bodies and filters: with a
// Directory that accepts everything, no request may panic or answer 500.
// go test runs the seeds; go test -fuzz explores.
func FuzzClientMistakesAreNever500(f *testing.F) {
	for _, seed := range []struct{ path, body, filter string }{
		{"/Users", entraUser, `userName eq "a"`},
		{"/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"name.givenName":"Ann","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"x","emails[type eq \"work\"].value":"a@b.c"}}]}`, `emails[type eq "work"].value eq "x"`},
		{"/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"roles[primary eq \"True\"].value","value":"owner"}]}`, `externalId eq "e" and userName eq "u"`},
		{"/Groups/g1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"u1"}]}]}`, `displayName eq "x"`},
		{"/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x","members":[{"value":"u1"}]}`, `members[value eq "x"]`},
	} {
		f.Add(seed.path, seed.body, seed.filter)
	}
	f.Fuzz(func(t *testing.T, path, body, filter string) {
		if !requestPath(path) {
			return
		}
		s := newService(t)
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch} {
			if w := s.do(method, path, body); w.Code >= 500 {
				t.Fatalf("%s %s %s: %d %s", method, path, body, w.Code, w.Body)
			}
		}
		if w := s.do(http.MethodGet, path+"?filter="+url.QueryEscape(filter), ""); w.Code >= 500 {
			t.Fatalf("GET %s filter %q: %d %s", path, filter, w.Code, w.Body)
		}
	})
}

// requestPath reports whether path makes a request line httptest takes:
// an absolute path with nothing to escape.
func requestPath(path string) bool {
	u, err := url.Parse(path)
	return err == nil && u.Path == path && strings.HasPrefix(path, "/") &&
		strings.IndexFunc(path, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '%' }) < 0
}
