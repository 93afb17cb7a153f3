package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// unmatchedRoute is the route label of a request no route matched.
const unmatchedRoute = "unmatched"

// requestMetrics counts the API's requests and times them, by method, route
// and status code (promhttp's instrumentation, labels "method" and "code").
// The route is chi's pattern ("/v1/tenants/{tenant}/users/{user}"), never
// the path as sent, so that the series stay bounded whatever ids and paths
// clients send; promhttp bounds the methods likewise.
type requestMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newRequestMetrics() *requestMetrics {
	labels := []string{"method", "route", "code"}
	return &requestMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_http_requests_total", Help: "HTTP requests answered, by method, route (the pattern) and status code.",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "roster_http_request_duration_seconds", Help: "Time to answer HTTP requests, by method, route (the pattern) and status code.",
			Buckets: prometheus.DefBuckets,
		}, labels),
	}
}

// collectors are the metrics to register where /metrics serves them.
func (m *requestMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.latency}
}

// instrument is the chi middleware that counts and times every request the
// router answers. It must be one of the router's own (Use), so that the
// route is known, from chi's routing context, once the request is answered.
func (m *requestMetrics) instrument(next http.Handler) http.Handler {
	route := promhttp.WithLabelFromRequest("route", routeOf)
	return promhttp.InstrumentHandlerDuration(m.latency, promhttp.InstrumentHandlerCounter(m.requests, next, route), route)
}

// routeOf is the pattern of the route that answered r.
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return unmatchedRoute
}
