package wiring

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/natspublisher"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/sessionstore"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
	"github.com/rosterhq/roster/projections/publicevents"
	"github.com/rosterhq/roster/readapi"
)

// Projectors lists the live projectors serve keeps.
func Projectors() []projections.Projector { return catalog.Projectors("") }

// RunProjectors keeps the read models until ctx ends: while this process
// leads (projectionfeed.Lead: the projectors' advisory lock), it runs the
// projectors' host over the sealed feed: the live projectors, and the
// rebuilds and retries any process asks for.
func RunProjectors(ctx context.Context, pool *pgxpool.Pool, svc *Services, status *projections.Status, log *slog.Logger) {
	projectionfeed.Lead(ctx, pool, log, func(held context.Context) {
		// Automatic deactivation runs where the projectors run: in one
		// process at a time (and each of its commands expects the version
		// it saw, so even two would deactivate a user once).
		go svc.Inactivity.Run(held, inactivityEvery)
		go prunePublicEvents(held, pool, svc.EventsRetention, log)
		if svc.NATS.Enabled() {
			// One publisher, where the projectors run: two at once would
			// each send every event (the stream drops the repeats).
			go publishToNATS(held, pool, svc.NATS, log)
		}
		RunHost(held, pool, svc, status, log)
	})
}

// publishToNATS publishes the public events to NATS JetStream until ctx
// ends (the publisher retries every failure itself).
func publishToNATS(ctx context.Context, pool *pgxpool.Pool, nats config.NATS, log *slog.Logger) {
	p := natspublisher.New(pool, natspublisher.Options{URL: nats.URL, Stream: nats.Stream, DuplicateWindow: nats.DuplicateWindow, Logger: log})
	if err := p.Run(ctx); err != nil {
		log.Error("nats: the publisher stopped", "error", err)
	}
}

// pruneEvery is how often the public events older than their retention
// are deleted: retention is counted in days, so an hour late is on time.
const pruneEvery = time.Hour

// prunePublicEvents deletes the public events older than retention, now
// and every pruneEvery, until ctx ends.
func prunePublicEvents(ctx context.Context, pool *pgxpool.Pool, retention time.Duration, log *slog.Logger) {
	if retention <= 0 {
		retention = readapi.DefaultEventsRetention
	}
	for {
		n, err := publicevents.Prune(ctx, pool, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("public events: prune failed", "error", err)
		case n > 0:
			log.Info("public events: pruned past their retention", "events", n, "retention", retention)
		}
		if pause.For(ctx, pruneEvery) != nil {
			return
		}
	}
}

// inactivityEvery is how often automatic deactivation looks for users past
// their tenant's limit: the limit is in days, so minutes late is on time.
const inactivityEvery = 5 * time.Minute

// rebuildPoll is how often the projectors' process looks for requested
// rebuilds and retries.
const rebuildPoll = time.Second

// RunHost runs the live projectors and the requested rebuilds until ctx
// ends or the live router stops by itself.
func RunHost(ctx context.Context, pool *pgxpool.Pool, svc *Services, status *projections.Status, log *slog.Logger) {
	host := projectionfeed.NewHost(projectionfeed.HostConfig{
		RouterConfig: projectionfeed.RouterConfig{Pool: pool, Feed: svc.Sealed, Status: status, Logger: log},
		ReadModels:   svc.ReadModels, Poll: rebuildPoll, TablesReady: true}) // Open set them up
	log.Info("projectors: running")
	err := host.Run(ctx) // it only returns with an error: its end, or ctx's
	if ctx.Err() == nil {
		log.Error("projectors: stopped", "error", err)
	}
}

// Lag reads the projectors' progress against the feed they follow: the
// events table, or the ingester's copy of KurrentDB's feed.
func Lag(pool *pgxpool.Pool, store config.EventStore) *projectionfeed.Lag {
	return &projectionfeed.Lag{Pool: pool, Projectors: Projectors(), Clock: time.Now, KurrentFeed: store.KurrentDB(),
		Running: projectionfeed.Led(pool)}
}

// sessionPurgeEvery is how often expired sessions are deleted: they are
// refused anyway; the purge only keeps the table from growing.
const sessionPurgeEvery = time.Hour

// PurgeExpiredSessions deletes expired sessions, and forgets those the
// process remembers, until ctx ends.
func PurgeExpiredSessions(ctx context.Context, tokens *sessionstore.Store, known *sessions.Service, log *slog.Logger) {
	ticker := time.NewTicker(sessionPurgeEvery)
	defer ticker.Stop()
	for {
		known.ForgetExpired(time.Now())
		if n, err := tokens.Purge(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("purging expired sessions failed", "error", err)
		} else if n > 0 {
			log.Info("purged expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
