package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections/publicevents"
)

// fanOutPage is the most public events one fan-out transaction takes.
const fanOutPage = 500

// fanOutResult is what one fan-out step did.
type fanOutResult struct {
	events int
	queued queued
	full   bool                // the page was full: more may be waiting
	last   eventstore.Position // the new checkpoint
}

// fanOut queues the deliveries of the complete public events after the
// checkpoint, one per matching enabled endpoint of the event's tenant, and
// moves the checkpoint past them, in one transaction. A process that finds
// the checkpoint locked does nothing: another one is fanning out.
func (d *Dispatcher) fanOut(ctx context.Context) (fanOutResult, error) {
	var r fanOutResult
	var newest eventstore.Position
	err := d.store.pool.QueryRow(ctx, newestSQL).Scan(&newest.Commit, &newest.Prepare)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && newest.Compare(d.fannedOut) <= 0) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	err = pgx.BeginFunc(ctx, d.store.pool, func(tx pgx.Tx) error {
		var at eventstore.Position
		err := tx.QueryRow(ctx, `SELECT position_commit, position_prepare FROM webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED`).
			Scan(&at.Commit, &at.Prepare)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		d.fannedOut = at
		page, err := completeAfter(ctx, tx, at)
		if err != nil || len(page.events) == 0 {
			return err
		}
		r.events, r.full = len(page.events), page.full
		if r.queued, err = d.queue(ctx, tx, page, d.holding.snapshot(d.opts, time.Now())); err != nil {
			return err
		}
		last := page.events[len(page.events)-1].at
		_, err = tx.Exec(ctx, `UPDATE webhook_fanout SET position_commit = $1, position_prepare = $2, updated_at = now() WHERE id = 1`,
			last.Commit, last.Prepare)
		r.last = last
		return err
	})
	if err != nil {
		return fanOutResult{}, fmt.Errorf("webhooks: fan out: %w", err)
	}
	if r.events > 0 {
		d.fannedOut = r.last
	}
	return r, nil
}

// newestSQL reads the position of the log's newest event, which the
// fan-out's polls compare with the checkpoint as this process last saw it:
// one backward step of the feed index, however long the log, instead of a
// transaction of four. (Asking EXISTS of the events after the checkpoint
// was planned as a sequential scan whenever many were: it read every event
// before them first.) Should another process have moved the checkpoint,
// the transaction finds nothing to do and this process learns where it is.
var newestSQL = fmt.Sprintf(`SELECT position_commit, position_prepare FROM %s
ORDER BY position_commit DESC, position_prepare DESC LIMIT 1`, publicevents.Table)

// logged is a public event as the fan-out reads it.
type logged struct {
	tenant, id, typ string
	at              eventstore.Position
	time            time.Time // when it happened
}

type loggedPage struct {
	events []logged
	full   bool
}

// publicAfterSQL reads a page of the public event log after a position.
var publicAfterSQL = fmt.Sprintf(`SELECT tenant_id, position_commit, position_prepare, event_id, type, at, remaining
FROM %[1]s WHERE (position_commit, position_prepare) > ($1, $2) AND %[3]s
ORDER BY position_commit, position_prepare LIMIT %[2]d`, publicevents.Table, fanOutPage, publicevents.NoHeldTenantBefore(publicevents.Table))

// completeAfter reads the public events after at, up to the first that is
// not complete yet (always the last of the log): it is taken once complete.
func completeAfter(ctx context.Context, tx pgx.Tx, at eventstore.Position) (loggedPage, error) {
	rows, err := tx.Query(ctx, publicAfterSQL, at.Commit, at.Prepare)
	if err != nil {
		return loggedPage{}, err
	}
	var page loggedPage
	var incomplete bool
	n := 0
	for rows.Next() {
		var e logged
		var remaining int
		if err := rows.Scan(&e.tenant, &e.at.Commit, &e.at.Prepare, &e.id, &e.typ, &e.time, &remaining); err != nil {
			return loggedPage{}, err
		}
		n++
		incomplete = incomplete || remaining > 0
		if !incomplete {
			page.events = append(page.events, e)
		}
	}
	page.full = n == fanOutPage && !incomplete
	return page, rows.Err()
}

// queued is what one fan-out queued: how many deliveries, those leased to
// this process's fast endpoints at once (sent without a claim), and the
// endpoints that had more queued than leased.
type queued struct {
	count  int
	leased []claimed
	more   map[endpointKey]bool
}

// queue inserts the deliveries of page's events to the matching enabled
// endpoints of their tenants. An endpoint gets the events that happened
// once it existed (give or take a minute of clock skew between the
// servers): one created while the fan-out catches up (the log built from
// years of history, say) is not flooded with the past, which Replay sends
// on request. The first deliveries of each fast endpoint this process
// holds, up to its room in b, are inserted leased to this process, their
// first attempt counted, as a claim would: the fan-out hands them to the
// workers, which saves writing each row a second time to claim it.
func (d *Dispatcher) queue(ctx context.Context, tx pgx.Tx, page loggedPage, b busy) (queued, error) {
	n := len(page.events)
	tenants, ids, types := make([]string, n), make([]string, n), make([]string, n)
	commits, prepares, times := make([]uint64, n), make([]uint64, n), make([]time.Time, n)
	for i, e := range page.events {
		tenants[i], ids[i], types[i], commits[i], prepares[i], times[i] = e.tenant, e.id, e.typ, e.at.Commit, e.at.Prepare, e.time
	}
	rows, err := tx.Query(ctx, queueSQL, tenants, commits, prepares, ids, types, times, b.tenants, b.ids, b.rooms,
		d.opts.lease().Microseconds())
	if err != nil {
		return queued{}, err
	}
	defer rows.Close()
	q := queued{more: map[endpointKey]bool{}}
	for rows.Next() {
		var c claimed
		var leased bool
		var secret, previous []byte
		if err := rows.Scan(append([]any{&leased}, c.fields(&secret, &previous)...)...); err != nil {
			return queued{}, err
		}
		q.count++
		if !leased {
			q.more[endpointKey{c.tenant, c.endpoint}] = true
			continue
		}
		if err := d.unseal(&c, secret, previous); err != nil {
			return queued{}, err
		}
		q.leased = append(q.leased, c)
	}
	return q, rows.Err()
}

// queueSQL queues deliveries (see queue): parameters $1-$6 the events,
// $7-$9 the room of this process's fast endpoints, $10 the lease in
// microseconds.
var queueSQL = fmt.Sprintf(`WITH matched AS (
    SELECT ev.tenant_id, e.id AS endpoint_id, ev.position_commit, ev.position_prepare, ev.event_id, ev.type,
        row_number() OVER (PARTITION BY e.tenant_id, e.id ORDER BY ev.position_commit, ev.position_prepare)
            <= coalesce(room.n, 0) AS leased
    FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::text[], $5::text[], $6::timestamptz[])
        AS ev (tenant_id, position_commit, position_prepare, event_id, type, at)
    JOIN webhook_endpoints e ON e.tenant_id = ev.tenant_id AND e.enabled AND ev.at > e.created_at - interval '1 minute'
        AND (cardinality(e.types) = 0 OR ev.type = ANY (e.types))
    LEFT JOIN unnest($7::text[], $8::text[], $9::int[]) AS room (tenant_id, endpoint_id, n)
        ON room.tenant_id = e.tenant_id AND room.endpoint_id = e.id
),
d AS (
    INSERT INTO webhook_deliveries (tenant_id, endpoint_id, position_commit, position_prepare, event_id, event_type,
        attempts, next_attempt_at)
    SELECT tenant_id, endpoint_id, position_commit, position_prepare, event_id, type, CASE WHEN leased THEN 1 ELSE 0 END,
        CASE WHEN leased THEN now() + $10 * interval '1 microsecond' ELSE now() END
    FROM matched
    ON CONFLICT DO NOTHING
    RETURNING *
)
SELECT d.attempts = 1, %[2]s
FROM d
JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
LEFT JOIN %[1]s p ON d.attempts = 1 AND p.tenant_id = d.tenant_id
    AND (p.position_commit, p.position_prepare) = (d.position_commit, d.position_prepare)`, publicevents.Table, claimedColumns)
