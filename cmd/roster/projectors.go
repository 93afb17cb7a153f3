package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

// allProjectors lists the live projectors serve keeps.
func allProjectors() []projections.Projector { return catalog.Projectors("") }

// runProjectors keeps the read models until ctx ends: while this process
// leads (projectionfeed.Lead: the projectors' advisory lock), it runs the
// projectors' host over the sealed feed: the live projectors, and the
// rebuilds and retries any process asks for.
func runProjectors(ctx context.Context, pool *pgxpool.Pool, svc *services, status *projections.Status, log *slog.Logger) {
	projectionfeed.Lead(ctx, pool, log, func(held context.Context) { runHost(held, pool, svc, status, log) })
}

// rebuildPoll is how often the projectors' process looks for requested
// rebuilds and retries.
const rebuildPoll = time.Second

// runHost runs the live projectors and the requested rebuilds until ctx
// ends or the live router stops by itself.
func runHost(ctx context.Context, pool *pgxpool.Pool, svc *services, status *projections.Status, log *slog.Logger) {
	host := projectionfeed.NewHost(projectionfeed.HostConfig{
		RouterConfig: projectionfeed.RouterConfig{Pool: pool, Feed: svc.sealed, Status: status, Logger: log},
		ReadModels:   svc.readModels, Poll: rebuildPoll})
	log.Info("projectors: running")
	err := host.Run(ctx) // it only returns with an error: its end, or ctx's
	if ctx.Err() == nil {
		log.Error("projectors: stopped", "error", err)
	}
}

// lagOf reads the projectors' progress against the feed they follow: the
// events table, or the ingester's copy of KurrentDB's feed.
func lagOf(pool *pgxpool.Pool, store config.EventStore) *projectionfeed.Lag {
	return &projectionfeed.Lag{Pool: pool, Projectors: allProjectors(), Clock: time.Now, KurrentFeed: store.KurrentDB(),
		Running: projectionfeed.Led(pool)}
}
