package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/publicevents"
)

// Deferred deliveries. A fast endpoint's backlog (a bulk's thousands of
// events, committed at once) would overflow the window its process may
// hold: queued pending, each would then cost a claim, a statement and
// more writes of its row, where the fan-out can hand it to the process
// as the window frees. So the fan-out defers a fast endpoint's deliveries
// beyond its room (all of a page's, when they are more than deferBeyond):
// a row of webhook_deferred marks where they start, and the endpoint's
// later events are left to it too, while every other endpoint's, every
// other tenant's, go on being queued: nobody waits for the backlog. Each
// fan-out then hands the next deferred deliveries to the workers, as many
// as the window has room for, without a row each (see rowless.go), until
// the row has caught up with the checkpoint and all it handed out is
// written, and goes.
//
// The process that deferred them owns the row and touches it at least
// every deferTouch. Should it stop, it lets go; should it die, the row is
// taken over (after deferStale); should its endpoint stop being fast
// there, it queues the rest for any process, as the fan-out would have
// queued them: nothing waits on a dead process for more than seconds.

// deferStale is how long an owner may leave its deferred row untouched
// before any process takes it over.
const deferStale = 2 * time.Second

// deferTouch is how often an owner touches its rows (each fan-out while
// it owns any, at most this often).
const deferTouch = 250 * time.Millisecond

// deferredRowsAtOnce bounds the deferred rows one fan-out goes through.
const deferredRowsAtOnce = 16

// deferredOursSQL are the deferred rows this process is to go through:
// its own, let go, or stale ($1: its instance, $2: deferStale in
// milliseconds).
const deferredOursSQL = `SELECT tenant_id, endpoint_id, position_commit, position_prepare, owner IS NOT DISTINCT FROM $1
    FROM webhook_deferred
    WHERE owner = $1 OR owner IS NULL OR touched_at < now() - $2 * interval '1 millisecond'`

// deferredRow is a row of webhook_deferred.
type deferredRow struct {
	key  endpointKey
	from eventstore.Position
	mine bool
}

// catchUp goes through the deferred rows that are this process's to go
// through, up to the checkpoint at: where the endpoint is fast here, it
// hands the next deferred deliveries to its workers, as many as its window
// has room for (taking the row over if another let go of it); otherwise
// it queues a page of them for any process and lets go of the row.
func (d *Dispatcher) catchUp(ctx context.Context, tx pgx.Tx, at eventstore.Position, b busy, r *fanOutResult) error {
	rows, err := tx.Query(ctx, deferredOursSQL+` ORDER BY touched_at LIMIT $3`, d.instance, deferStale.Milliseconds(), deferredRowsAtOnce)
	if err != nil {
		return err
	}
	var list []deferredRow
	var row deferredRow
	_, err = pgx.ForEachRow(rows, []any{(*string)(&row.key.tenant), &row.key.id, &row.from.Commit, &row.from.Prepare, &row.mine}, func() error {
		list = append(list, row)
		return nil
	})
	if err != nil {
		return err
	}
	rooms := b.fastRooms()
	for _, row := range list {
		room, fast := rooms[row.key]
		if fast && room == 0 && row.mine {
			continue // its window is full: it waits
		}
		if !row.mine { // taken over: from its position, whatever this process handed out of it before
			d.cursors.forget(row.key)
		}
		from, reading := d.cursors.reading(row.key, row.from)
		to, err := readDeferredTo(ctx, tx, row.key)
		if err != nil {
			return err
		}
		switch {
		case fast && to.sendable():
			err = d.handOutDeferred(ctx, tx, row, to, from, reading, at, room, r)
		case reading:
			// Its own, no longer fast here, or not to be sent to from
			// here: queued for all from where this process is, the row
			// kept until what it handed out is written.
			err = d.queueDeferred(ctx, tx, row, to, from, at, true, r)
		default:
			err = d.queueDeferred(ctx, tx, row, to, row.from, at, false, r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// handedOut are deferred deliveries a fan-out hands to the workers without
// a row (or queued from where this process is, none), once it commits;
// from is where the row was read from, next where to read it next.
type handedOut struct {
	key        endpointKey
	from, next eventstore.Position
	list       []claimed
}

// handOutDeferred hands the next room of row's deferred deliveries to to
// (sendable), up to at, to this process's workers, rowless, and moves the
// row as far as what was handed out before is written (deleting it once
// every delivery up to at is).
func (d *Dispatcher) handOutDeferred(ctx context.Context, tx pgx.Tx, row deferredRow, to deferredTo, from eventstore.Position,
	reading bool, at eventstore.Position, room int, r *fanOutResult) error {
	template := claimed{tenant: row.key.tenant, endpoint: row.key.id, url: to.url}
	if err := d.unseal(&template, to.secret, to.previous); err != nil {
		return err
	}
	// Read from the row's position (taken over, or read again after a
	// write failed), some may have been written: they are not sent again.
	events, err := deferredEvents(ctx, tx, row.key, to, from, at, room+1, !reading)
	if err != nil {
		return err
	}
	taken := events[:min(room, len(events))]
	// Truncated as the database keeps it: the lease fences the recording.
	lease := time.Now().Add(d.opts.lease()).Truncate(time.Microsecond)
	handed := handedOut{key: row.key, from: from, next: from}
	for _, e := range taken {
		c := template
		c.at, c.eventID, c.typ, c.body, c.attempt, c.lease, c.rowless = e.at, e.id, e.typ, e.body, 1, lease, true
		handed.list = append(handed.list, c)
		handed.next = successor(e.at)
	}
	if len(events) <= room {
		r.drained[row.key] = true // not waiting for room: for new events, or for what is out to be written
	}
	return d.keepDeferred(ctx, tx, row, handed, len(events) == 0, r)
}

// keepDeferred notes what a fan-out handed out of row (or queued from
// where this process is), and moves the row as far as what was handed
// out before is written, keeping it this process's; or deletes it, when
// nothing is left up to the checkpoint (none) and all is written.
func (d *Dispatcher) keepDeferred(ctx context.Context, tx pgx.Tx, row deferredRow, handed handedOut, none bool, r *fanOutResult) error {
	r.handed = append(r.handed, handed)
	settled, allWritten, known := d.cursors.settled(row.key)
	if !known {
		settled = row.from
	}
	if none && allWritten {
		r.gone = append(r.gone, row.key)
		return dropDeferred(ctx, tx, row.key)
	}
	_, err := tx.Exec(ctx, `UPDATE webhook_deferred SET position_commit = $3, position_prepare = $4, owner = $5, touched_at = now()
WHERE tenant_id = $1 AND endpoint_id = $2`, string(row.key.tenant), row.key.id, settled.Commit, settled.Prepare, d.instance)
	return err
}

// deferredTo is a deferred row's endpoint, read once a fan-out: which
// events it gets (see filterSQL), whether it is failing, and what every
// delivery to it is sent with. A disabled or deleted endpoint is gone: it
// gets none.
type deferredTo struct {
	gone, failing    bool
	created          time.Time
	types            []string
	url              string
	secret, previous []byte // sealed
}

// sendable is whether deliveries to e may be handed out rowless: not to a
// failing endpoint, whose attempts are recorded one by one.
func (e deferredTo) sendable() bool { return !e.gone && !e.failing }

// readDeferredTo reads k as deferredTo.
func readDeferredTo(ctx context.Context, tx pgx.Tx, k endpointKey) (deferredTo, error) {
	var e deferredTo
	err := tx.QueryRow(ctx, `SELECT failing_since IS NOT NULL, created_at, types, url, secret,
    CASE WHEN previous_until > now() THEN previous_secret END
FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 AND enabled`, string(k.tenant), k.id).
		Scan(&e.failing, &e.created, &e.types, &e.url, &e.secret, &e.previous)
	if errors.Is(err, pgx.ErrNoRows) {
		return deferredTo{gone: true}, nil
	}
	if err != nil {
		return deferredTo{}, err
	}
	if e.types == nil {
		e.types = []string{} // all of them, where NULL would match none
	}
	return e, nil
}

// queueDeferred queues a page of row's deferred deliveries from from, up
// to at, for any process, as the fan-out would have queued them. Read from
// where this process is (own), the row is kept as keepDeferred keeps it;
// otherwise it moves past them and is let go of (or deleted when none is
// left).
func (d *Dispatcher) queueDeferred(ctx context.Context, tx pgx.Tx, row deferredRow, to deferredTo, from, at eventstore.Position,
	own bool, r *fanOutResult) error {
	events, err := deferredEvents(ctx, tx, row.key, to, from, at, fanOutPage+1, false)
	if err != nil {
		return err
	}
	taken := events[:min(fanOutPage, len(events))]
	if len(taken) > 0 {
		b := busy{tenants: []string{string(row.key.tenant)}, ids: []string{row.key.id}, rooms: []int{0}, fast: []bool{false}}
		q, err := d.queue(ctx, tx, loggedPage{events: taken}, b, &row.key)
		if err != nil {
			return err
		}
		r.queued.add(q)
		r.caughtUp += len(taken)
	}
	if own {
		next := from
		if len(taken) > 0 {
			next = successor(taken[len(taken)-1].at)
		}
		if len(events) > fanOutPage {
			r.behind = true // the next page, at once
		} else {
			r.drained[row.key] = true
		}
		return d.keepDeferred(ctx, tx, row, handedOut{key: row.key, from: from, next: next}, len(events) == 0, r)
	}
	if len(events) <= fanOutPage {
		r.gone = append(r.gone, row.key)
		return dropDeferred(ctx, tx, row.key)
	}
	r.behind = true // the next page, at once
	next := events[fanOutPage].at
	_, err = tx.Exec(ctx, `UPDATE webhook_deferred SET position_commit = $3, position_prepare = $4, owner = NULL, touched_at = now()
WHERE tenant_id = $1 AND endpoint_id = $2`, string(row.key.tenant), row.key.id, next.Commit, next.Prepare)
	return err
}

// deferredEventsSQL reads up to $8 events of tenant $1 from ($2, $3) to
// ($4, $5) that an endpoint created at $6, of event types $7, gets; with
// the condition %[3]s, only those without a delivery of endpoint $9 yet.
// The endpoint's filter comes as values, not joined in, and the range is
// bounded on position_commit alone too: the planner then knows how many
// events pass, and reads the log in the order of its index up to the
// limit. Joined in, with only the row comparison (of a selectivity it
// cannot estimate), it guessed, and read every event of the range (or, by
// the index on time, every event since the endpoint was created) to sort
// them, for each page handed out.
var deferredEventsSQL = `SELECT ev.tenant_id, ev.position_commit, ev.position_prepare, ev.event_id, ev.type, ev.at, ev.body
FROM %[1]s ev
WHERE ev.tenant_id = $1 AND (ev.position_commit, ev.position_prepare) >= ($2, $3)
  AND (ev.position_commit, ev.position_prepare) <= ($4, $5) AND ev.position_commit BETWEEN $2 AND $4
  AND %[2]s %[3]s
ORDER BY ev.position_commit, ev.position_prepare
LIMIT $8`

// The two forms of deferredEventsSQL: every event, and those not yet
// written. The test of the latter is kept a lookup by key for each event
// read, in order, until the limit: OFFSET 0 keeps the planner from making
// it a join, which it planned from its guess of the events in the range
// (behind an OR, it hashed the whole delivery log; on its own, for a
// backlog newer than the statistics, it scanned the log for each event).
var (
	deferredAllSQL       = fmt.Sprintf(deferredEventsSQL, publicevents.Table, filterSQL("$6::timestamptz", "$7::text[]"), "")
	deferredUnwrittenSQL = fmt.Sprintf(deferredEventsSQL, publicevents.Table, filterSQL("$6::timestamptz", "$7::text[]"),
		`AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = ev.tenant_id AND d.endpoint_id = $9
      AND (d.position_commit, d.position_prepare) = (ev.position_commit, ev.position_prepare) OFFSET 0)`)
)

// deferredEvents reads up to limit of the deferred events of k (to), from
// from up to at; unwritten, only those that have no delivery yet.
func deferredEvents(ctx context.Context, tx pgx.Tx, k endpointKey, to deferredTo, from, at eventstore.Position, limit int,
	unwritten bool) ([]logged, error) {
	if to.gone {
		return nil, nil
	}
	query, args := deferredAllSQL, []any{string(k.tenant), from.Commit, from.Prepare, at.Commit, at.Prepare, to.created, to.types, limit}
	if unwritten {
		query, args = deferredUnwrittenSQL, append(args, k.id)
	}
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (logged, error) {
		var e logged
		err := row.Scan(&e.tenant, &e.at.Commit, &e.at.Prepare, &e.id, &e.typ, &e.time, &e.body)
		return e, err
	})
}

// touchDeferred touches this process's deferred rows if due, and returns
// their endpoints (they wait for room in their windows).
func (d *Dispatcher) touchDeferred(ctx context.Context, tx pgx.Tx) ([]endpointKey, error) {
	rows, err := tx.Query(ctx, `WITH touched AS (
    UPDATE webhook_deferred SET touched_at = now()
    WHERE owner = $1 AND touched_at < now() - $2 * interval '1 millisecond'
)
SELECT tenant_id, endpoint_id FROM webhook_deferred WHERE owner = $1`, d.instance, deferTouch.Milliseconds())
	if err != nil {
		return nil, err
	}
	var owned []endpointKey
	var k endpointKey
	_, err = pgx.ForEachRow(rows, []any{(*string)(&k.tenant), &k.id}, func() error {
		owned = append(owned, k)
		return nil
	})
	return owned, err
}

// letGoOfDeferred hands this process's deferred rows to any process at
// once (it stops, its workers' attempts recorded), each moved as far as
// what was handed out is written; should this fail, they are taken over
// after deferStale.
func (d *Dispatcher) letGoOfDeferred() {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	err := pgx.BeginFunc(ctx, d.store.pool, func(tx pgx.Tx) error {
		owned, err := d.touchDeferred(ctx, tx)
		if err != nil {
			return err
		}
		for _, k := range owned {
			if at, _, known := d.cursors.settled(k); known {
				if _, err := tx.Exec(ctx, `UPDATE webhook_deferred SET position_commit = $3, position_prepare = $4
WHERE tenant_id = $1 AND endpoint_id = $2 AND owner = $5`, string(k.tenant), k.id, at.Commit, at.Prepare, d.instance); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deferred SET owner = NULL WHERE owner = $1`, d.instance)
		return err
	})
	if err != nil {
		d.opts.Logger.Warn("webhooks: letting go of deferred deliveries failed; another process takes them over in seconds",
			"error", err)
	}
}

// fastRooms is the room of each fast endpoint in b.
func (b busy) fastRooms() map[endpointKey]int {
	rooms := map[endpointKey]int{}
	for i, fast := range b.fast {
		if fast {
			rooms[endpointKey{domain.TenantID(b.tenants[i]), b.ids[i]}] = b.rooms[i]
		}
	}
	return rooms
}

// less is b with the room of each endpoint less what list (just leased to
// it) takes.
func (b busy) less(list []claimed) busy {
	if len(list) == 0 {
		return b
	}
	taken := map[endpointKey]int{}
	for _, c := range list {
		taken[endpointKey{c.tenant, c.endpoint}]++
	}
	rooms := make([]int, len(b.rooms))
	for i, r := range b.rooms {
		rooms[i] = max(0, r-taken[endpointKey{domain.TenantID(b.tenants[i]), b.ids[i]}])
	}
	b.rooms = rooms
	return b
}

// dropDeferred deletes k's deferred row: nothing of it is left to queue.
func dropDeferred(ctx context.Context, tx pgx.Tx, k endpointKey) error {
	_, err := tx.Exec(ctx, `DELETE FROM webhook_deferred WHERE tenant_id = $1 AND endpoint_id = $2`, string(k.tenant), k.id)
	return err
}

// mayDefer is whether a page of n events may defer deliveries (see
// queueSQL): it has more than deferBeyond, or more than a fast endpoint's
// room.
func (b busy) mayDefer(n int) bool {
	if n > deferBeyond {
		return true
	}
	for i, fast := range b.fast {
		if fast && b.rooms[i] < n {
			return true
		}
	}
	return false
}
