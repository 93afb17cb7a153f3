package webhooks

import (
	"context"
	"time"
)

// giveBack returns claimed deliveries that were not sent: each is due
// again at once, its claimed attempt uncounted (attempts number the log),
// unless it changed hands meanwhile (replayed, held back by a disabling,
// its lease ended and another worker took it), which the lease fences as
// it does the recording. Should this fail, the leases end and the
// deliveries are taken again then: nothing is lost.
func (d *Dispatcher) giveBack(list []claimed) {
	if len(list) == 0 {
		return
	}
	if rowless, rowed := splitRowless(list, itself); len(rowless) > 0 {
		if err := d.writeRowless(rowless, false); err != nil {
			d.opts.Logger.Warn("webhooks: giving back unsent deliveries failed; they are queued again from their deferred row",
				"count", len(rowless), "error", err)
		}
		list = rowed
		if len(list) == 0 {
			d.wake.Fire()
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	n := len(list)
	tenants, endpoints, attempts := make([]string, n), make([]string, n), make([]int, n)
	commits, prepares, leases := make([]uint64, n), make([]uint64, n), make([]time.Time, n)
	for i, c := range list {
		tenants[i], endpoints[i], commits[i], prepares[i] = string(c.tenant), c.endpoint, c.at.Commit, c.at.Prepare
		attempts[i], leases[i] = c.attempt, c.lease
	}
	if _, err := d.store.pool.Exec(ctx, giveBackSQL, tenants, endpoints, commits, prepares, attempts, leases); err != nil {
		d.opts.Logger.Warn("webhooks: giving back unsent deliveries failed; they are taken again when their leases end",
			"count", n, "error", err)
		return
	}
	d.wake.Fire() // due now: our workers may take them again
}

const giveBackSQL = `UPDATE webhook_deliveries d
SET attempts = d.attempts - 1, next_attempt_at = now()
FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::int[], $6::timestamptz[])
    AS b (tenant_id, endpoint_id, position_commit, position_prepare, attempt, lease)
WHERE (d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare) =
    (b.tenant_id, b.endpoint_id, b.position_commit, b.position_prepare)
  AND d.state = 'pending' AND d.attempts = b.attempt AND d.next_attempt_at = b.lease`
