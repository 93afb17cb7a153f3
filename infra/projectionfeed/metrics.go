package projectionfeed

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosterhq/roster/readapi"
)

// LagCollector exports projection lag as Prometheus gauges, measured at
// each scrape: roster_projection_lag_events, roster_projection_lag_seconds
// roster_projection_failed and roster_projection_failed_tenants, labelled by
// projection.
type LagCollector struct {
	States  readapi.ProjectionStates
	events  *prometheus.Desc
	seconds *prometheus.Desc
	failed  *prometheus.Desc
	tenants *prometheus.Desc
}

// NewLagCollector returns a collector over states.
func NewLagCollector(states readapi.ProjectionStates) *LagCollector {
	label := []string{"projection"}
	return &LagCollector{States: states,
		events:  prometheus.NewDesc("roster_projection_lag_events", "Events stored after the projection's checkpoint.", label, nil),
		seconds: prometheus.NewDesc("roster_projection_lag_seconds", "Age of the oldest event the projection has not applied.", label, nil),
		failed:  prometheus.NewDesc("roster_projection_failed", "1 when the projection stopped on an event it cannot apply.", label, nil),
		tenants: prometheus.NewDesc("roster_projection_failed_tenants",
			"Tenants for which the projection stopped on an event it cannot apply (it goes on for the others).", label, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.events
	ch <- c.seconds
	ch <- c.failed
	ch <- c.tenants
}

// Collect implements prometheus.Collector; a failed measurement is reported
// as an invalid metric rather than hidden.
func (c *LagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	states, err := c.States.ProjectionStates(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.events, err)
		return
	}
	for _, s := range states {
		failed := 0.0
		if s.State == "failed" {
			failed = 1
		}
		ch <- prometheus.MustNewConstMetric(c.events, prometheus.GaugeValue, float64(s.LagEvents), s.Name)
		ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.GaugeValue, s.LagSeconds, s.Name)
		ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, failed, s.Name)
		ch <- prometheus.MustNewConstMetric(c.tenants, prometheus.GaugeValue, float64(len(s.FailedTenants)), s.Name)
	}
}
