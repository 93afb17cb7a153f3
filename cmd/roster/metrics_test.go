package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A finding of issue 14: /metrics counts the API's requests and times them
// by route and status. The route is chi's pattern, never the path as sent,
// so that the series are bounded whatever ids and paths clients send; a
// request no route matches counts as route "unmatched".
func TestMetricsCountAndTimeRequestsByRouteAndStatus(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	for i := range 3 {
		expect(t, "invite", call(t, base, "POST", "/v1/tenants/acme/users", boss,
			obj{"id": fmt.Sprintf("u%d", i), "email": fmt.Sprintf("u%d@acme.example", i), "name": "U", "role": "member"}), http.StatusCreated, "")
	}
	expect(t, "no such user", call(t, base, "POST", "/v1/tenants/acme/users/nobody-1/block", boss, nil), http.StatusNotFound, "")
	expect(t, "no such user again", call(t, base, "POST", "/v1/tenants/acme/users/nobody-2/block", boss, nil), http.StatusNotFound, "")
	expect(t, "no such route", call(t, base, "GET", "/v1/nowhere/secret-path-1", "", nil), http.StatusNotFound, "")

	got := call(t, base, "GET", "/metrics", "", nil)
	if got.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %.300s", got.Status, got.Raw)
	}
	for _, want := range []string{
		`roster_http_requests_total{code="201",method="post",route="/v1/tenants/{tenant}/users"} 3`,
		`roster_http_requests_total{code="404",method="post",route="/v1/tenants/{tenant}/users/{user}/block"} 2`,
		`roster_http_requests_total{code="201",method="post",route="/v1/tenants/{tenant}/sessions"} 1`,
		`roster_http_requests_total{code="404",method="get",route="unmatched"} 1`,
		`roster_http_request_duration_seconds_count{code="201",method="post",route="/v1/tenants/{tenant}/users"} 3`,
		`roster_http_request_duration_seconds_bucket{code="201",method="post",route="/v1/tenants/{tenant}/users",le="+Inf"} 3`,
	} {
		if !strings.Contains(got.Raw, want) {
			t.Errorf("/metrics has no line\n%s", want)
		}
	}
	for _, raw := range []string{"nobody-1", "secret-path-1", "/v1/tenants/acme"} {
		if strings.Contains(got.Raw, raw) {
			t.Errorf("/metrics holds the path as sent (%q): its series would be unbounded", raw)
		}
	}
	if !strings.Contains(got.Raw, "roster_projection_") || !strings.Contains(got.Raw, "go_goroutines") {
		t.Error("/metrics lost the projections' or the Go runtime's metrics")
	}
}
