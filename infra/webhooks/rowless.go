package webhooks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
)

// Rowless deliveries. The deferred deliveries a process owns (see
// deferred.go) are handed to its workers without a row: the one row of
// each is written once its first attempt has ended (delivered, in the
// successes' batch; anything else, before the attempt is recorded as
// ever), or when it goes back unsent. A delivery would otherwise be
// written twice, queued leased and then delivered: for the backlog of a
// busy endpoint, half the writes. The deferred row is the cursor that
// keeps this safe: it moves only up to the first delivery handed out and
// not yet written, so that should the process die, whoever takes the row
// over queues every such delivery again (at least once), and none that
// was written (ON CONFLICT DO NOTHING).

// cursors are this process's reading of its deferred rows, per endpoint.
type cursors struct {
	mu sync.Mutex
	m  map[endpointKey]*cursor
}

// cursor is how far a deferred row's deliveries are handed out, and which
// of those have no row yet.
type cursor struct {
	next   eventstore.Position          // the next event to hand out is at or after it
	out    map[eventstore.Position]bool // handed out, not yet written
	broken bool                         // writing one failed: queue the row for all, from its position
}

// successor is the position just after p: nothing lies between them.
func successor(p eventstore.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare + 1}
}

// reading returns where to read k's deferred events next: from the row's
// position, unless this process is reading it already (reading). A cursor
// whose deliveries could not all be written is forgotten: the row is read
// again from its position, which is at or before the first of them.
func (cs *cursors) reading(k endpointKey, row eventstore.Position) (from eventstore.Position, reading bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.m[k]
	switch {
	case c == nil:
		return row, false
	case c.broken:
		delete(cs.m, k)
		return row, false
	}
	return c.next, true
}

// handOut notes list (k's deferred deliveries, in order) as handed out,
// and next as where to read next.
func (cs *cursors) handOut(k endpointKey, from, next eventstore.Position, list []claimed) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.m == nil {
		cs.m = map[endpointKey]*cursor{}
	}
	c := cs.m[k]
	if c == nil {
		c = &cursor{next: from, out: map[eventstore.Position]bool{}}
		cs.m[k] = c
	}
	for _, d := range list {
		c.out[d.at] = true
	}
	c.next = next
}

// written notes that rows of list were written (or found written).
func (cs *cursors) written(list []claimed) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, d := range list {
		if c := cs.m[endpointKey{d.tenant, d.endpoint}]; c != nil && d.rowless {
			delete(c.out, d.at)
		}
	}
}

// broke notes that rows of list could not be written.
func (cs *cursors) broke(list []claimed) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, d := range list {
		if c := cs.m[endpointKey{d.tenant, d.endpoint}]; c != nil && d.rowless {
			c.broken = true
		}
	}
}

// settled returns the position k's deferred row may move to: the first
// delivery handed out and not written, or the next to hand out; and
// whether every delivery handed out is written (ok false: no cursor).
func (cs *cursors) settled(k endpointKey) (at eventstore.Position, allWritten, ok bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.m[k]
	if c == nil {
		return eventstore.Position{}, true, false
	}
	at = c.next
	for p := range c.out {
		if p.Compare(at) < 0 {
			at = p
		}
	}
	return at, len(c.out) == 0, true
}

// forget drops k's cursor (its row is gone, or let go).
func (cs *cursors) forget(k endpointKey) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	delete(cs.m, k)
}

// splitRowless parts list into the deliveries that have no row yet and
// those that have one; claimedOf is the delivery of an element.
func splitRowless[T any](list []T, claimedOf func(T) claimed) (rowless, rowed []T) {
	for _, x := range list {
		if claimedOf(x).rowless {
			rowless = append(rowless, x)
		} else {
			rowed = append(rowed, x)
		}
	}
	return rowless, rowed
}

// itself is the delivery of a claimed delivery (see splitRowless).
func itself(c claimed) claimed { return c }

// writeRowless writes the rows of rowless deliveries list, pending: leased
// to their attempts (an attempt ended that is yet to be recorded), or due
// now (they go back unsent, their attempt uncounted). A row already there
// (the deferred row was taken over, or a replay queued it) is left as it
// is.
func (d *Dispatcher) writeRowless(list []claimed, leased bool) error {
	if len(list) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	n := len(list)
	tenants, endpoints, ids, types := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	commits, prepares, attempts, due := make([]uint64, n), make([]uint64, n), make([]int, n), make([]time.Time, n)
	now := time.Now()
	for i, c := range list {
		tenants[i], endpoints[i], ids[i], types[i] = string(c.tenant), c.endpoint, c.eventID, c.typ
		commits[i], prepares[i], attempts[i], due[i] = c.at.Commit, c.at.Prepare, 0, now
		if leased {
			attempts[i], due[i] = c.attempt, c.lease
		}
	}
	_, err := d.store.pool.Exec(ctx, `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, position_commit, position_prepare,
    event_id, event_type, attempts, next_attempt_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::text[], $6::text[], $7::int[], $8::timestamptz[])
    AS b (tenant_id, endpoint_id, position_commit, position_prepare, event_id, event_type, attempts, next_attempt_at)
WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = b.tenant_id AND e.id = b.endpoint_id
    FOR KEY SHARE) -- not deleted meanwhile, nor until this commits (see migration 00017)
ON CONFLICT DO NOTHING`, tenants, endpoints, commits, prepares, ids, types, attempts, due)
	if err != nil {
		d.cursors.broke(list)
		return fmt.Errorf("webhooks: write %d deliveries: %w", n, err)
	}
	d.cursors.written(list)
	return nil
}
