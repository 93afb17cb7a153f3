package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

// projectorsLockKey is the advisory lock held by the one process that runs
// the projectors: two would fight over every checkpoint.
const projectorsLockKey = 7_242_032

// standbyRetry is how often a process without the lock tries to take it.
const standbyRetry = 5 * time.Second

// allProjectors lists the live projectors serve keeps.
func allProjectors() []projections.Projector { return catalog.Projectors("") }

// runProjectors keeps the read models until ctx ends: it takes the
// projectors' advisory lock (standing by while another process holds it;
// the lock is released with its session if that process dies) and, while
// holding it, runs the projectors' host over the sealed feed: the live
// projectors, and the rebuilds any process asks for.
func runProjectors(ctx context.Context, pool *pgxpool.Pool, svc *services, status *projections.Status, log *slog.Logger) {
	for ctx.Err() == nil {
		conn, held, err := takeLock(ctx, pool)
		switch {
		case err != nil:
			log.Warn("projectors: could not try the lock; retrying", "error", err)
		case !held:
			log.Info("projectors: another process runs them; standing by")
		default:
			held, release := holding(ctx, conn)
			runHost(held, pool, svc, status, log)
			release()                            // conn's checks are over: the close below races with none
			_ = conn.Close(context.Background()) // releases the lock
		}
		select {
		case <-ctx.Done():
		case <-time.After(standbyRetry):
		}
	}
}

func takeLock(ctx context.Context, pool *pgxpool.Pool) (*pgx.Conn, bool, error) {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, false, err
	}
	var held bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", projectorsLockKey).Scan(&held); err != nil || !held {
		_ = conn.Close(context.Background())
		return nil, false, err
	}
	return conn, true, nil
}

// lockCheck is how often the lock's connection is checked: if it dies (say,
// PostgreSQL restarted), the lock is gone and another process may take over,
// so this one must stop projecting.
const lockCheck = 2 * time.Second

// holding returns a context that ends with ctx or when conn, which holds the
// projectors' lock, stops answering; release ends it and returns once conn
// is no longer checked (a pgx.Conn is not safe for concurrent use).
func holding(ctx context.Context, conn *pgx.Conn) (held context.Context, release func()) {
	held, lost := context.WithCancel(ctx)
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		defer lost()
		ticker := time.NewTicker(lockCheck)
		defer ticker.Stop()
		for {
			select {
			case <-held.Done():
				return
			case <-ticker.C:
				if conn.Ping(held) != nil {
					return
				}
			}
		}
	}()
	return held, func() { lost(); <-checked }
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
		Running: projectorsRunning(pool)}
}

// projectorsRunning reports whether some process holds the projectors'
// lock, and so runs them: without one, no read model moves, however
// small its lag looks.
func projectorsRunning(pool *pgxpool.Pool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		var held bool
		// A bigint advisory key is stored as classid (high half) and objid
		// (low half), with objsubid 1.
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`, int64(projectorsLockKey)).Scan(&held)
		return held, err
	}
}
