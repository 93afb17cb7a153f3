package webhooks

import (
	"log/slog"
	"time"

	"github.com/rosterhq/roster/infra/config"
)

// Options tunes webhooks; the zero value gives the defaults of
// config.Webhooks with private addresses refused.
type Options struct {
	// AllowPrivate lets URLs reach loopback, private and other internal
	// addresses (development, tests).
	AllowPrivate bool
	// Timeout bounds one attempt, connection to answer (default 15s).
	Timeout time.Duration
	// DisableAfter is how long an endpoint's attempts may all fail before
	// it is disabled (default 5 days).
	DisableAfter time.Duration
	// KeepLog is how long finished deliveries and their attempts are kept
	// (default 30 days).
	KeepLog time.Duration
	// Concurrency is how many deliveries one process sends at once
	// (default 32).
	Concurrency int
	// PerEndpoint is how many of those one endpoint may take (default 8,
	// at most Concurrency), so that a slow receiver cannot hold up the
	// others. A fast endpoint has claimAhead times as many claimed ahead.
	PerEndpoint int
	// Backoff is the wait after each failed attempt; once it is used up
	// the delivery fails (default: DefaultBackoff). Each wait is jittered
	// by ±20%.
	Backoff []time.Duration
	// Poll is how often the fan-out looks for public events when nothing
	// woke it (default 25ms; a NOTIFY on PublicEventsChannel wakes it at
	// once).
	Poll time.Duration
	// Logger receives operational warnings (nil: discarded). It is never
	// given a secret or an event's body.
	Logger *slog.Logger
}

// DefaultBackoff waits 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h six times:
// twelve attempts over about 2.8 days, after which the delivery fails.
var DefaultBackoff = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// OptionsFrom returns the options cfg (serve's flags) sets.
func OptionsFrom(cfg config.Webhooks, log *slog.Logger) Options {
	return Options{AllowPrivate: cfg.AllowPrivate, Timeout: cfg.Timeout, DisableAfter: cfg.DisableAfter,
		KeepLog: cfg.KeepLog, Concurrency: cfg.Concurrency, PerEndpoint: cfg.PerEndpoint, Logger: log}
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 5 * 24 * time.Hour
	}
	if o.KeepLog <= 0 {
		o.KeepLog = 30 * 24 * time.Hour
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.PerEndpoint <= 0 {
		o.PerEndpoint = 8
	}
	o.PerEndpoint = min(o.PerEndpoint, o.Concurrency)
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Poll <= 0 {
		o.Poll = 25 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// lease is how long a claimed delivery stays out of other workers' reach:
// the attempt may take Timeout, and recording it a little more; doubling
// leaves room for a slow database. A worker that dies holding a delivery
// delays its retry by at most this much.
func (o Options) lease() time.Duration { return 2*o.Timeout + time.Second }
