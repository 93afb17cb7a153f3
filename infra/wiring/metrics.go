package wiring

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/inactivity"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/projectionfeed"
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

// MetricsHandler serves the Go runtime's metrics, the projections' lag, and
// more (the HTTP requests' counts and latencies: requestMetrics).
func MetricsHandler(lag *projectionfeed.Lag, more ...prometheus.Collector) http.Handler {
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		projectionfeed.NewLagCollector(lag))
	registry.MustRegister(more...)
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
}

// HashingMetrics show how full the password hashing budget runs: a
// refusal count that grows means logins are answered 503.
func HashingMetrics(b *passwords.Budget) []prometheus.Collector {
	stat := func(read func(passwords.Stats) int64) func() float64 {
		return func() float64 { return float64(read(b.Stats())) }
	}
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roster_password_hashes_running", Help: "Argon2id computations running now."},
			stat(func(s passwords.Stats) int64 { return s.Running })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roster_password_hashes_waiting", Help: "Argon2id computations waiting for a slot of the budget now."},
			stat(func(s passwords.Stats) int64 { return s.Waiting })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roster_password_hashes_slots", Help: "Argon2id computations allowed at once (--password-hashes-at-once)."},
			func() float64 { return float64(b.Size()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roster_password_hashes_total", Help: "Argon2id computations started."},
			stat(func(s passwords.Stats) int64 { return s.Computed })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roster_password_hashes_refused_total", Help: "Argon2id computations refused (503) for want of a slot in time."},
			stat(func(s passwords.Stats) int64 { return s.Refused })),
	}
}

// InactivityMetrics count what automatic deactivation did: a refusal
// count that grows means users past their tenant's limit stay active (the
// list ?inactive_days=N says why).
func InactivityMetrics(s *inactivity.Scheduler) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roster_auto_deactivations_total", Help: "Users deactivated for want of a login (deactivate_after_days_without_login)."},
			func() float64 { d, _ := s.Stats(); return float64(d) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roster_auto_deactivations_refused_total", Help: "Automatic deactivations the policy refused (the sole owner, a team leader)."},
			func() float64 { _, r := s.Stats(); return float64(r) }),
	}
}

// WriteModelMetrics show the cache of write models: evictions that grow
// fast mean tenants are loaded again and again (raise
// --write-model-cache).
func WriteModelMetrics(e *execution.Engine) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roster_write_models_tenants", Help: "Tenants whose write model is held in memory."},
			func() float64 { return float64(e.CacheStats().Tenants) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roster_write_models_records", Help: "Records (users, teams, work items, one per tenant) the write models in memory hold."},
			func() float64 { return float64(e.CacheStats().Records) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roster_write_models_budget_records", Help: "Records the write models may hold (--write-model-cache)."},
			func() float64 { return float64(e.CacheStats().Budget) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roster_write_models_evicted_total", Help: "Write models dropped from memory, least recently used first, to be loaded again when needed."},
			func() float64 { return float64(e.CacheStats().Evicted) }),
	}
}
