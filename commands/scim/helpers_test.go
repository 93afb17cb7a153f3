package scim

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

const base = "/v1/tenants/acme/scim/v2"

// service is the handler mounted as the wiring mounts it, on a chi router
// at /v1/tenants/{tenant}/scim/v2, with its Directory and its log.
type service struct {
	t      *testing.T
	dir    *recordingDirectory
	router http.Handler
	log    *bytes.Buffer
}

func newService(t *testing.T) *service {
	t.Helper()
	s := &service{t: t, dir: newDirectory(), log: &bytes.Buffer{}}
	router := chi.NewRouter()
	logger := slog.New(slog.NewJSONHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	router.Mount("/v1/tenants/{tenant}/scim/v2", NewHandler(s.dir, tokens{}, logger))
	s.router = router
	return s
}

// do sends method path (relative to the base URL) with body and the good
// token.
func (s *service) do(method, path, body string) *httptest.ResponseRecorder {
	s.t.Helper()
	return s.send(method, path, body, "Bearer good")
}

func (s *service) send(method, path, body, authorization string) *httptest.ResponseRecorder {
	s.t.Helper()
	return s.sendFull(method, base+path, body, authorization)
}

func (s *service) sendFull(method, target, body, authorization string) *httptest.ResponseRecorder {
	s.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	r.Header.Set("Content-Type", "application/scim+json")
	w := httptest.NewRecorder()
	s.router.ServeHTTP(w, r)
	return w
}

// patch sends a PATCH of ops (the JSON list of operations).
func (s *service) patch(path, ops string) *httptest.ResponseRecorder {
	s.t.Helper()
	return s.do(http.MethodPatch, path, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
}

// decode returns w's body as a JSON object.
func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("reply %d is no JSON object: %v: %s", w.Code, err, w.Body)
	}
	return m
}

// wantStatus fails unless w has status and, for an error, SCIM's format
// with scimType (which may be "").
func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int, scimType string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != contentType {
		t.Errorf("Content-Type %q, want %q", ct, contentType)
	}
	if status < 400 {
		return
	}
	e := decode(t, w)
	if !reflect.DeepEqual(e["schemas"], []any{"urn:ietf:params:scim:api:messages:2.0:Error"}) {
		t.Errorf("error schemas %v", e["schemas"])
	}
	if got, _ := e["status"].(string); got != strconv.Itoa(status) {
		t.Errorf("error status %v, want the string %q", e["status"], strconv.Itoa(status))
	}
	if got, _ := e["scimType"].(string); got != scimType {
		t.Errorf("scimType %q, want %q (detail %v)", got, scimType, e["detail"])
	}
}

func ptr[T any](v T) *T { return &v }
