package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The load generator runs in a process of its own (this test binary,
// re-executed), sends the body with the bearer token from every client, and
// hands its figures back as one JSON line.
func TestTheLoadGeneratorDrivesAServerFromItsOwnProcess(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer the-token" || string(body) != `{"token":"x"}` {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"active":true}`)
	}))
	defer server.Close()
	f, err := driveLoad(context.Background(), loadSpec{URL: server.URL + "/v1/introspect", Token: "the-token", Body: `{"token":"x"}`,
		Clients: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if f.Requests == 0 || f.PerSecond <= 0 || f.P50 > f.P99 || f.Errors != 0 {
		t.Fatalf("figures %+v, want requests, a rate, p50 ≤ p99 and no errors", f)
	}
}

// A reply other than 200 fails the measurement, saying what it was.
func TestAReplyOtherThan200FailsTheLoad(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer server.Close()
	_, err := driveLoad(context.Background(), loadSpec{URL: server.URL + "/v1/introspect", Body: "{}", Clients: 1, Duration: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Fatalf("%v, want the failure naming status 401", err)
	}
}

// The figures are one JSON line; anything else is refused, not read as
// zeros.
func TestTheLoadGeneratorsFiguresAreOneJSONLine(t *testing.T) {
	f, err := parseFigures([]byte(`{"requests":10,"per_second":5,"p50_us":100,"p99_us":300,"errors":0}` + "\n"))
	if err != nil || f.Requests != 10 || f.PerSecond != 5 || f.P50 != 100 || f.P99 != 300 {
		t.Fatalf("%+v, %v", f, err)
	}
	for _, out := range []string{"", "panic: oops\n", `{"requests":1}` + "\n" + `{"requests":2}`, `{"requests":1,"rps":3}`, `{"requests":0,"errors":0}`} {
		if _, err := parseFigures([]byte(out)); err == nil {
			t.Errorf("%q was read as figures", out)
		}
	}
}
