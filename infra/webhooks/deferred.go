package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/publicevents"
)

// Deferred deliveries. A fast endpoint's backlog (a bulk's thousands of
// events, committed at once) would overflow the window its process may
// hold: queued pending, each would then cost a claim, a statement and a
// second write of its row, where the fan-out can lease it to the process
// as the window frees. So the fan-out defers a fast endpoint's deliveries
// beyond its room: a row of webhook_deferred marks where they start, and
// the endpoint's later events are left to it too, while every other
// endpoint's, every other tenant's, go on being queued: nobody waits for
// the backlog. Each fan-out then queues the next deferred deliveries, as
// many as the window has room for, until the row has caught up with the
// checkpoint and goes.
//
// The process that deferred them owns the row and touches it at least
// every deferTouch. Should it stop, it lets go; should it die, or its
// endpoint stop being fast there, the row is taken over (after deferStale)
// and its deliveries queued for any process, as the fan-out would have
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

// catchUp queues the next deferred deliveries of the rows that are this
// process's to go through, up to the checkpoint at: leased to this
// process, as many as its window has room for, where the endpoint is fast
// here (taking the row over if another let go of it); otherwise a page of
// them for any process, the row let go.
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
		if err := d.catchUpOne(ctx, tx, row, at, room, fast, r); err != nil {
			return err
		}
	}
	return nil
}

// catchUpOne queues the next n of row's deferred deliveries (n: the room
// of a fast endpoint, leased; a page for any process otherwise), and moves
// the row to the next one, or deletes it if none is left up to at.
func (d *Dispatcher) catchUpOne(ctx context.Context, tx pgx.Tx, row deferredRow, at eventstore.Position, room int, fast bool,
	r *fanOutResult) error {
	n := fanOutPage
	if fast {
		n = room
	}
	events, err := deferredEvents(ctx, tx, row, at, n+1)
	if err != nil {
		return err
	}
	if taken := events[:min(n, len(events))]; len(taken) > 0 {
		b := busy{tenants: []string{string(row.key.tenant)}, ids: []string{row.key.id}, rooms: []int{0}, fast: []bool{false}}
		if fast {
			b.rooms[0], b.fast[0] = n, true
		}
		q, err := d.queue(ctx, tx, loggedPage{events: taken}, b, &row.key)
		if err != nil {
			return err
		}
		r.queued.add(q)
		r.caughtUp += len(taken)
	}
	if len(events) <= n {
		_, err = tx.Exec(ctx, `DELETE FROM webhook_deferred WHERE tenant_id = $1 AND endpoint_id = $2`, string(row.key.tenant), row.key.id)
		return err
	}
	var owner *string
	if fast {
		owner = &d.instance
	} else {
		r.behind = true // the next page, at once
	}
	next := events[n].at
	_, err = tx.Exec(ctx, `UPDATE webhook_deferred SET position_commit = $3, position_prepare = $4, owner = $5, touched_at = now()
WHERE tenant_id = $1 AND endpoint_id = $2`, string(row.key.tenant), row.key.id, next.Commit, next.Prepare, owner)
	return err
}

// deferredEventsSQL reads up to $7 events of tenant $1 from ($3, $4) to
// ($5, $6) that endpoint $2 gets.
var deferredEventsSQL = fmt.Sprintf(`SELECT ev.tenant_id, ev.position_commit, ev.position_prepare, ev.event_id, ev.type, ev.at
FROM %s ev
WHERE ev.tenant_id = $1 AND (ev.position_commit, ev.position_prepare) >= ($3, $4)
  AND (ev.position_commit, ev.position_prepare) <= ($5, $6)
  AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = $2 AND %s)
ORDER BY ev.position_commit, ev.position_prepare
LIMIT $7`, publicevents.Table, matchSQL)

// deferredEvents reads up to limit of row's deferred events, up to at.
func deferredEvents(ctx context.Context, tx pgx.Tx, row deferredRow, at eventstore.Position, limit int) ([]logged, error) {
	rows, err := tx.Query(ctx, deferredEventsSQL, string(row.key.tenant), row.key.id, row.from.Commit, row.from.Prepare,
		at.Commit, at.Prepare, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (logged, error) {
		var e logged
		err := row.Scan(&e.tenant, &e.at.Commit, &e.at.Prepare, &e.id, &e.typ, &e.time)
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
// once (it stops); should this fail, they are taken over after
// deferStale.
func (d *Dispatcher) letGoOfDeferred() {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if _, err := d.store.pool.Exec(ctx, `UPDATE webhook_deferred SET owner = NULL WHERE owner = $1`, d.instance); err != nil {
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
