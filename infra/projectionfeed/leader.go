package projectionfeed

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/pause"
)

// LeaderLockKey is the advisory lock held by the one process that runs the
// projectors (a Host): two would fight over every checkpoint.
const LeaderLockKey = 7_242_032

// standbyRetry is how often a process without the lock tries to take it.
const standbyRetry = 5 * time.Second

// lockCheck is how often the lock's connection is checked: if it dies (say,
// PostgreSQL restarted), the lock is gone and another process may take over,
// so this one must stop projecting.
const lockCheck = 2 * time.Second

// Lead runs lead, until ctx ends, whenever this process holds the
// projectors' advisory lock: it takes the lock on a connection of its own
// (standing by while another process holds it; the lock goes with its
// session if that process dies), and ends lead's context when the lock's
// connection stops answering, since the lock is then gone and another
// process may take over.
func Lead(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, lead func(held context.Context)) {
	for ctx.Err() == nil {
		conn, held, err := takeLock(ctx, pool)
		switch {
		case err != nil:
			log.Warn("projectors: could not try the lock; retrying", "error", err)
		case !held:
			log.Info("projectors: another process runs them; standing by")
		default:
			heldCtx, release := holding(ctx, conn)
			lead(heldCtx)
			release()                            // conn's checks are over: the close below races with none
			_ = conn.Close(context.Background()) // releases the lock
		}
		_ = pause.For(ctx, standbyRetry)
	}
}

func takeLock(ctx context.Context, pool *pgxpool.Pool) (*pgx.Conn, bool, error) {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, false, err
	}
	var held bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", LeaderLockKey).Scan(&held); err != nil || !held {
		_ = conn.Close(context.Background())
		return nil, false, err
	}
	return conn, true, nil
}

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

// Led reports whether some process holds the projectors' lock, and so runs
// them: without one, no read model moves, however small its lag looks.
func Led(pool *pgxpool.Pool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		var held bool
		// A bigint advisory key is stored as classid (high half) and objid
		// (low half), with objsubid 1.
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`, int64(LeaderLockKey)).Scan(&held)
		return held, err
	}
}
