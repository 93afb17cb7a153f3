package readapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/readapi"
)

func serve(t *testing.T, checks ...readapi.Check) *httptest.Server {
	r := chi.NewRouter()
	readapi.MountHealth(r, slog.New(slog.DiscardHandler), checks...)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, map[string]any, string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(body)
	return resp.StatusCode, body, string(raw)
}

func TestReadyWhenEveryCheckAnswers(t *testing.T) {
	t.Parallel()
	srv := serve(t, readapi.Check{Name: "database", Ping: func(context.Context) error { return nil }})
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _, _ := get(t, srv.URL+path); status != http.StatusOK {
			t.Errorf("%s answered %d", path, status)
		}
	}
}

func TestNotReadyNamesTheFailedCheckWithoutItsError(t *testing.T) {
	t.Parallel()
	srv := serve(t,
		readapi.Check{Name: "database", Ping: func(context.Context) error { return errors.New("password authentication failed for secret-host") }},
		readapi.Check{Name: "other", Ping: func(context.Context) error { return nil }},
	)
	status, body, raw := get(t, srv.URL+"/readyz")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("readyz answered %d with a failing check", status)
	}
	if failed, _ := body["failed"].([]any); len(failed) != 1 || failed[0] != "database" {
		t.Errorf("failed = %v, want [database]", body["failed"])
	}
	if strings.Contains(raw, "secret-host") {
		t.Errorf("readyz leaked the check's error: %s", raw)
	}
	if status, _, _ := get(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("healthz answered %d: liveness must not depend on dependencies", status)
	}
}
