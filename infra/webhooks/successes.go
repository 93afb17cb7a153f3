package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
)

// maxSuccessBatch bounds the successes recorded by one statement.
const maxSuccessBatch = 256

// success is a 2xx attempt at an endpoint that was not failing: the usual
// case, which touches no endpoint row and so can be recorded in batches.
type success struct {
	c     claimed
	start time.Time
	o     outcome
}

// successes records successes in batches, after their slots are free
// again: whatever has queued while the previous batch was being written
// goes in the next, one statement and one commit for all. Under light load
// a batch is one success; under heavy load the commits no longer cost one
// each, and the next deliveries are sent meanwhile. A batch that fails to
// be written leaves its deliveries to be sent again when their leases end.
type successes struct {
	d     *Dispatcher
	queue chan success // bounded: a slow database slows the senders down
}

func newSuccesses(d *Dispatcher) *successes {
	return &successes{d: d, queue: make(chan success, maxSuccessBatch)}
}

// record queues s, waiting only while the queue is full.
func (r *successes) record(s success) { r.queue <- s }

// run writes batches until the queue is closed (once no attempt is under
// way) and empty.
func (r *successes) run() {
	for first := range r.queue {
		batch := []success{first}
	more:
		for len(batch) < maxSuccessBatch {
			select {
			case w, ok := <-r.queue:
				if !ok {
					break more
				}
				batch = append(batch, w)
			default:
				break more
			}
		}
		if err := r.write(batch); err != nil {
			r.d.opts.Logger.Warn("webhooks: recording delivered attempts failed; they will be made again", "count", len(batch), "error", err)
			continue
		}
		r.d.metrics.attempts.WithLabelValues(resultLabel[Delivered]).Add(float64(len(batch)))
	}
}

// write records a batch: each delivery delivered, with the attempt that
// delivered it in its last_* columns (the log reads it there: see
// deliveriesSQL), unless it changed hands since its claim (see record); an
// attempt whose delivery changed hands, and still exists, goes into the
// log of attempts instead, as every attempt that did not deliver does.
// A rowless delivery (see rowless.go) is written delivered, unless its
// row was written meanwhile (its deferred row was taken over, or it was
// replayed): it changed hands.
func (r *successes) write(batch []success) error {
	rowless, rowed := splitRowless(batch, func(w success) claimed { return w.c })
	if len(rowless) > 0 {
		err := r.writeSome(rowless, rowlessSuccessesSQL)
		list := make([]claimed, len(rowless))
		for i, w := range rowless {
			list[i] = w.c
		}
		if err != nil {
			r.d.cursors.broke(list)
			return err
		}
		r.d.cursors.written(list)
	}
	if len(rowed) > 0 {
		return r.writeSome(rowed, successesSQL)
	}
	return nil
}

// writeSome records batch with query (successesSQL or rowlessSuccessesSQL),
// and logs the attempts of those it did not record.
func (r *successes) writeSome(batch []success, query string) error {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	n := len(batch)
	tenants, endpoints, attempts, statuses := make([]string, n), make([]string, n), make([]int, n), make([]int, n)
	commits, prepares, latencies := make([]uint64, n), make([]uint64, n), make([]int64, n)
	starts, leases := make([]time.Time, n), make([]time.Time, n)
	ids, types := make([]string, n), make([]string, n)
	for i, w := range batch {
		tenants[i], endpoints[i], commits[i], prepares[i] = string(w.c.tenant), w.c.endpoint, w.c.at.Commit, w.c.at.Prepare
		attempts[i], starts[i], statuses[i], latencies[i], leases[i] = w.c.attempt, w.start, w.o.status, w.o.latency.Milliseconds(), w.c.lease
		ids[i], types[i] = w.c.eventID, w.c.typ
	}
	args := []any{tenants, endpoints, commits, prepares, attempts, starts, statuses, latencies, leases}
	if query == rowlessSuccessesSQL {
		args = []any{tenants, endpoints, commits, prepares, ids, types, starts, statuses, latencies}
	}
	rows, err := r.d.store.pool.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("webhooks: record %d deliveries: %w", n, err)
	}
	recorded := map[deliveryKey]bool{}
	var k deliveryKey
	_, err = pgx.ForEachRow(rows, []any{(*string)(&k.tenant), &k.id, &k.at.Commit, &k.at.Prepare}, func() error {
		recorded[k] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("webhooks: record %d deliveries: %w", n, err)
	}
	if len(recorded) == n {
		return nil
	}
	var lost []int // changed hands: their attempts go into the log
	for i, w := range batch {
		if !recorded[deliveryKey{endpointKey{w.c.tenant, w.c.endpoint}, w.c.at}] {
			lost = append(lost, i)
		}
	}
	_, err = r.d.store.pool.Exec(ctx, lostSuccessesSQL, pick(tenants, lost), pick(endpoints, lost), pick(commits, lost),
		pick(prepares, lost), pick(attempts, lost), pick(starts, lost), pick(statuses, lost), pick(latencies, lost))
	if err != nil {
		return fmt.Errorf("webhooks: log %d attempts of deliveries that changed hands: %w", len(lost), err)
	}
	return nil
}

// deliveryKey names a delivery.
type deliveryKey struct {
	endpointKey
	at eventstore.Position
}

// pick returns the elements of xs at indexes.
func pick[T any](xs []T, indexes []int) []T {
	out := make([]T, len(indexes))
	for i, j := range indexes {
		out[i] = xs[j]
	}
	return out
}

// successesSQL records a batch of successes on their deliveries, if still
// leased to their attempts, and returns those it recorded (see
// successes.write).
const successesSQL = `UPDATE webhook_deliveries d
SET state = 'delivered', last_attempt_at = b.at, last_status = b.status, last_error = NULL, last_latency_ms = b.ms
FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::int[], $6::timestamptz[], $7::int[], $8::bigint[],
    $9::timestamptz[]) AS b (tenant_id, endpoint_id, position_commit, position_prepare, attempt, at, status, ms, lease)
WHERE (d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare) =
    (b.tenant_id, b.endpoint_id, b.position_commit, b.position_prepare)
  AND d.attempts = b.attempt AND d.next_attempt_at = b.lease
RETURNING d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare`

// rowlessSuccessesSQL writes a batch of rowless deliveries delivered, but
// those written meanwhile, and returns those it wrote (see
// successes.write).
const rowlessSuccessesSQL = `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, position_commit, position_prepare, event_id,
    event_type, state, attempts, next_attempt_at, last_attempt_at, last_status, last_latency_ms)
SELECT b.tenant_id, b.endpoint_id, b.position_commit, b.position_prepare, b.event_id, b.type, 'delivered', 1, b.at, b.at,
    b.status, b.ms
FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::text[], $6::text[], $7::timestamptz[], $8::int[], $9::bigint[])
    AS b (tenant_id, endpoint_id, position_commit, position_prepare, event_id, type, at, status, ms)
WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = b.tenant_id AND e.id = b.endpoint_id
    FOR KEY SHARE) -- not deleted meanwhile, nor until this commits (see migration 00017)
ON CONFLICT DO NOTHING
RETURNING tenant_id, endpoint_id, position_commit, position_prepare`

// lostSuccessesSQL logs the successful attempts of deliveries that changed
// hands meanwhile, those that still exist.
const lostSuccessesSQL = `INSERT INTO webhook_attempts (tenant_id, endpoint_id, position_commit, position_prepare, attempt, at,
    status_code, latency_ms)
SELECT b.tenant_id, b.endpoint_id, b.position_commit, b.position_prepare, b.attempt, b.at, b.status, b.ms
FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::int[], $6::timestamptz[], $7::int[], $8::bigint[])
    AS b (tenant_id, endpoint_id, position_commit, position_prepare, attempt, at, status, ms)
WHERE EXISTS (SELECT 1 FROM webhook_deliveries d WHERE (d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare) =
    (b.tenant_id, b.endpoint_id, b.position_commit, b.position_prepare))
ON CONFLICT DO NOTHING`
