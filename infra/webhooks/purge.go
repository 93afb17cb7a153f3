package webhooks

import (
	"context"
	"fmt"
	"time"
)

// purgeEvery is how often each process purges the delivery log: the limit
// is in days, so an hour late is on time.
const purgeEvery = time.Hour

// purgeBatch bounds the deliveries one purge statement deletes, so that no
// transaction grows with the backlog of a first purge.
const purgeBatch = 10_000

// runPurge deletes the finished deliveries older than KeepLog, with their
// attempts, at start and every purgeEvery, until ctx ends. Several
// processes purging at once only repeat each other's work.
func (d *Dispatcher) runPurge(ctx context.Context) {
	ticker := time.NewTicker(purgeEvery)
	defer ticker.Stop()
	for {
		if n, err := d.purge(ctx); err != nil && ctx.Err() == nil {
			d.opts.Logger.Warn("webhooks: purging the delivery log failed", "error", err)
		} else if n > 0 {
			d.opts.Logger.Info("webhooks: purged the delivery log", "deliveries", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// purge deletes the finished deliveries older than KeepLog, a batch at a
// time, and returns how many.
func (d *Dispatcher) purge(ctx context.Context) (int64, error) {
	var total int64
	for {
		tag, err := d.store.pool.Exec(ctx, `DELETE FROM webhook_deliveries WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM webhook_deliveries
    WHERE state <> 'pending' AND created_at < now() - $1 * interval '1 second'
    LIMIT $2))`, int64(d.opts.KeepLog/time.Second), purgeBatch)
		if err != nil {
			return total, fmt.Errorf("webhooks: purge: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < purgeBatch {
			return total, nil
		}
	}
}
