package webhooks

import "github.com/prometheus/client_golang/prometheus"

// metrics count what this process's dispatcher did.
type metrics struct {
	attempts *prometheus.CounterVec // by result: delivered, retry, failed
	latency  prometheus.Histogram
	queued   prometheus.Counter
	disabled prometheus.Counter
	claims   prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roster_webhook_attempts_total",
			Help: "Webhook delivery attempts made by this process, by result: delivered (2xx), retry (to be tried again), failed (for good)."},
			[]string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "roster_webhook_attempt_duration_seconds",
			Help: "Time from sending a webhook delivery to the receiver's answer (or the timeout).", Buckets: prometheus.DefBuckets}),
		queued: prometheus.NewCounter(prometheus.CounterOpts{Name: "roster_webhook_deliveries_queued_total",
			Help: "Webhook deliveries queued by this process's fan-out (one per public event and matching endpoint)."}),
		disabled: prometheus.NewCounter(prometheus.CounterOpts{Name: "roster_webhook_endpoints_disabled_total",
			Help: "Webhook endpoints this process disabled (410 Gone, or failing for --webhooks-disable-after)."}),
		claims: prometheus.NewCounter(prometheus.CounterOpts{Name: "roster_webhook_claims_total",
			Help: "Claims of due webhook deliveries made by this process's workers (a busy endpoint's deliveries are claimed ahead, many at a time)."}),
	}
}

// Collectors are the dispatcher's metrics, to register where /metrics
// serves them (wiring.MetricsHandler's more).
func (d *Dispatcher) Collectors() []prometheus.Collector {
	return []prometheus.Collector{d.metrics.attempts, d.metrics.latency, d.metrics.queued, d.metrics.disabled, d.metrics.claims}
}

// resultLabel is the "result" of an attempt whose delivery ends in a state.
var resultLabel = map[string]string{Delivered: "delivered", Pending: "retry", Failed: "failed"}
