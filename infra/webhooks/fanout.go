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
	// waiting are the endpoints whose deliveries this process has
	// deferred (see deferred.go): they wait for room in their windows.
	waiting []endpointKey
	// caughtUp is how many deferred deliveries it queued; behind is
	// whether more deferred ones may be queued at once.
	caughtUp int
	behind   bool
	// handed are the deferred deliveries it handed out rowless; drained
	// the endpoints whose deferred rows have no deliveries beyond those
	// handed out (they wait for no room); gone the rows it deleted.
	handed  []handedOut
	drained map[endpointKey]bool
	gone    []endpointKey
}

// fanOut queues the deliveries of the complete public events after the
// checkpoint, one per matching enabled endpoint of the event's tenant, and
// moves the checkpoint past them, in one transaction. A process that finds
// the checkpoint locked does nothing: another one is fanning out.
func (d *Dispatcher) fanOut(ctx context.Context) (fanOutResult, error) {
	// Not cut short when ctx ends, as a claim is not (see claim): what it
	// leased or handed out is given back by the stopping workers.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	r := fanOutResult{drained: map[endpointKey]bool{}}
	var newest eventstore.Position
	var deferred bool
	err := d.store.pool.QueryRow(ctx, newestSQL, d.instance, deferStale.Milliseconds()).Scan(&newest.Commit, &newest.Prepare, &deferred)
	if err != nil {
		return r, err
	}
	if !deferred && newest.Compare(d.fannedOut) <= 0 {
		return r, nil
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
		if _, err := tx.Exec(ctx, fanOutSettings); err != nil {
			return err
		}
		b := d.holding.snapshot(d.opts, time.Now())
		page, err := completeAfter(ctx, tx, at)
		if err != nil {
			return err
		}
		if len(page.events) > 0 {
			r.events, r.full = len(page.events), page.full
			q, err := d.queue(ctx, tx, page, b, nil)
			if err != nil {
				return err
			}
			r.queued.add(q)
			at = page.events[len(page.events)-1].at
			if _, err = tx.Exec(ctx, `UPDATE webhook_fanout SET position_commit = $1, position_prepare = $2, updated_at = now() WHERE id = 1`,
				at.Commit, at.Prepare); err != nil {
				return err
			}
			r.last = at
		}
		// Deferred rows are gone through only when there are some this
		// process is to go through, or the page may have made one: not on
		// the live path of a few events at a time.
		if !deferred && !b.mayDefer(len(page.events)) {
			return nil
		}
		// After the page, up to the new checkpoint: the events the page
		// left to a deferred row (its endpoint's live ones, too) are handed
		// out in the same transaction, not one fan-out later.
		if err := d.catchUp(ctx, tx, at, b.less(r.queued.leased), &r); err != nil {
			return err
		}
		owned, err := d.touchDeferred(ctx, tx)
		for _, k := range owned {
			if !r.drained[k] {
				r.waiting = append(r.waiting, k)
			}
		}
		return err
	})
	if err != nil {
		return fanOutResult{}, fmt.Errorf("webhooks: fan out: %w", err)
	}
	for _, h := range r.handed {
		d.cursors.handOut(h.key, h.from, h.next, h.list)
		r.queued.leased = append(r.queued.leased, h.list...)
		r.queued.count += len(h.list)
	}
	for _, k := range r.gone {
		d.cursors.forget(k)
	}
	if r.events > 0 {
		d.fannedOut = r.last
	}
	return r, nil
}

// newestSQL reads the position of the log's newest event ((0, 0) when
// none), which the fan-out's polls compare with the checkpoint as this
// process last saw it: one backward step of the feed index, however long
// the log, instead of a transaction of four. (Asking EXISTS of the events
// after the checkpoint was planned as a sequential scan whenever many
// were: it read every event before them first.) Should another process
// have moved the checkpoint, the transaction finds nothing to do and this
// process learns where it is. It also says whether deferred deliveries
// are this process's to queue ($1: its instance, $2: deferStale in
// milliseconds; see deferred.go).
var newestSQL = fmt.Sprintf(`SELECT coalesce(n.position_commit, 0), coalesce(n.position_prepare, 0), EXISTS (%s LIMIT 1)
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT position_commit, position_prepare FROM %s
    ORDER BY position_commit DESC, position_prepare DESC LIMIT 1) AS n ON true`, deferredOursSQL, publicevents.Table)

// logged is a public event as the fan-out reads it.
type logged struct {
	tenant, id, typ string
	at              eventstore.Position
	time            time.Time // when it happened
	body            []byte    // read only for deferred deliveries handed out rowless
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

func (q *queued) add(o queued) {
	q.count += o.count
	q.leased = append(q.leased, o.leased...)
	if q.more == nil {
		q.more = map[endpointKey]bool{}
	}
	for k := range o.more {
		q.more[k] = true
	}
}

// deferBeyond is how many deliveries to one fast endpoint a fan-out page
// may have for them to be queued leased: a page with more (a backlog, not
// live traffic) defers them all, to be handed out without a row each
// (see rowless.go).
const deferBeyond = 64

// fanOutSettings are a fan-out's: it need not wait for its commit to be
// flushed, since a fan-out the server loses in a crash leaves the
// checkpoint where it was, and the next one queues the same deliveries
// again (sending some twice, as at least once allows).
const fanOutSettings = `SET LOCAL synchronous_commit = off`

// columns are page's events as the parallel arrays SQL takes them.
type columns struct {
	tenants, ids, types []string
	commits, prepares   []uint64
	times               []time.Time
}

func (page loggedPage) columns() columns {
	n := len(page.events)
	c := columns{tenants: make([]string, n), ids: make([]string, n), types: make([]string, n),
		commits: make([]uint64, n), prepares: make([]uint64, n), times: make([]time.Time, n)}
	for i, e := range page.events {
		c.tenants[i], c.ids[i], c.types[i], c.commits[i], c.prepares[i], c.times[i] = e.tenant, e.id, e.typ, e.at.Commit, e.at.Prepare, e.time
	}
	return c
}

// matchSQL is which enabled endpoints e get an event ev (see queue).
var matchSQL = `e.tenant_id = ev.tenant_id AND e.enabled AND ` + filterSQL("e.created_at", "e.types")

// filterSQL is whether an endpoint created at created, of event types
// types (none: all), gets an event ev.
func filterSQL(created, types string) string {
	return fmt.Sprintf(`ev.at > %s - interval '1 minute' AND %s`, created, typesSQL("ev", types))
}

// typesSQL is whether the event of alias event is of types (none: all).
func typesSQL(event, types string) string {
	return fmt.Sprintf(`(cardinality(%[2]s) = 0 OR %[1]s.type = ANY (%[2]s))`, event, types)
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
func (d *Dispatcher) queue(ctx context.Context, tx pgx.Tx, page loggedPage, b busy, only *endpointKey) (queued, error) {
	c := page.columns()
	var onlyTenant, onlyID *string
	if only != nil {
		tenant := string(only.tenant)
		onlyTenant, onlyID = &tenant, &only.id
	}
	rows, err := tx.Query(ctx, queueSQL, c.tenants, c.commits, c.prepares, c.ids, c.types, c.times, b.tenants, b.ids, b.rooms,
		b.fast, d.opts.lease().Microseconds(), onlyTenant, onlyID, d.instance, deferBeyond)
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
// $7-$10 the room of this process's endpoints and whether each is fast,
// $11 the lease in microseconds, $12-$13 the one endpoint to queue for
// (NULL: all but those with deferred deliveries, whose events are left to
// them), $14 this process's instance, $15 deferBeyond. A fast endpoint's
// deliveries beyond its room are deferred, from the first of them on, and
// all of them when they are more than deferBeyond (see deferred.go).
var queueSQL = fmt.Sprintf(`WITH matched AS (
    SELECT ev.tenant_id, e.id AS endpoint_id, ev.position_commit, ev.position_prepare, ev.event_id, ev.type,
        row_number() OVER (PARTITION BY e.tenant_id, e.id ORDER BY ev.position_commit, ev.position_prepare) AS nth,
        CASE WHEN count(*) OVER (PARTITION BY e.tenant_id, e.id) > $15 THEN 0 ELSE coalesce(room.n, 0) END AS room,
        coalesce(room.fast, false) AS fast
    FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::text[], $5::text[], $6::timestamptz[])
        AS ev (tenant_id, position_commit, position_prepare, event_id, type, at)
    JOIN webhook_endpoints e ON %[3]s
    LEFT JOIN unnest($7::text[], $8::text[], $9::int[], $10::bool[]) AS room (tenant_id, endpoint_id, n, fast)
        ON room.tenant_id = e.tenant_id AND room.endpoint_id = e.id
    WHERE CASE WHEN $12::text IS NULL
        THEN NOT EXISTS (SELECT 1 FROM webhook_deferred df WHERE df.tenant_id = e.tenant_id AND df.endpoint_id = e.id)
        ELSE (e.tenant_id, e.id) = ($12::text, $13::text) END
),
deferred AS (
    INSERT INTO webhook_deferred (tenant_id, endpoint_id, position_commit, position_prepare, owner)
    SELECT DISTINCT ON (tenant_id, endpoint_id) tenant_id, endpoint_id, position_commit, position_prepare, $14
    FROM matched
    WHERE fast AND nth > room
    ORDER BY tenant_id, endpoint_id, position_commit, position_prepare
),
d AS (
    INSERT INTO webhook_deliveries (tenant_id, endpoint_id, position_commit, position_prepare, event_id, event_type,
        attempts, next_attempt_at)
    SELECT tenant_id, endpoint_id, position_commit, position_prepare, event_id, type, CASE WHEN nth <= room THEN 1 ELSE 0 END,
        CASE WHEN nth <= room THEN now() + $11 * interval '1 microsecond' ELSE now() END
    FROM matched
    WHERE NOT (fast AND nth > room)
        AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = matched.tenant_id AND e.id = matched.endpoint_id
            FOR KEY SHARE) -- not deleted meanwhile, nor until this commits (see migration 00017)
    ON CONFLICT DO NOTHING
    RETURNING *
)
SELECT d.attempts = 1, %[2]s
FROM d
JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
LEFT JOIN %[1]s p ON d.attempts = 1 AND p.tenant_id = d.tenant_id
    AND (p.position_commit, p.position_prepare) = (d.position_commit, d.position_prepare)`, publicevents.Table, claimedColumns, matchSQL)
