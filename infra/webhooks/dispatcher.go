package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/wakeup"
)

// idleLook is the longest the workers go without looking for due
// deliveries: a safety net for lost notifications.
const idleLook = time.Second

// failedLookWait is the wait after a failed look (the database away),
// doubling up to idleLook.
const failedLookWait = 50 * time.Millisecond

// Dispatcher fans the public event log out into deliveries and sends them:
// what every serve process runs (Run). Several at once, in one process or
// many, share the work safely.
type Dispatcher struct {
	store     *Store
	opts      Options
	transport *http.Transport
	instance  string        // tags our NOTIFYs, so that our listener ignores them
	wake      wakeup.Signal // new public events or deliveries may be there
	freed     wakeup.Signal // an attempt ended: a slot came free
	room      wakeup.Signal // a fast endpoint's window the fan-out waits for has room (holding.awaitRoom)
	holding   holding
	cursors   cursors // how far this process has handed out its deferred deliveries
	successes *successes
	metrics   *metrics
	// fannedOut is the fan-out checkpoint as this process last saw it
	// (the fan-out goroutine's alone).
	fannedOut eventstore.Position
}

// NewDispatcher returns the dispatcher of store's endpoints, with store's
// options.
func NewDispatcher(store *Store) *Dispatcher {
	var b [8]byte
	_, _ = rand.Read(b[:])
	d := &Dispatcher{store: store, opts: store.opts, transport: newTransport(store.guard, store.opts.Concurrency),
		instance: hex.EncodeToString(b[:]), metrics: newMetrics()}
	d.successes = newSuccesses(d)
	return d
}

// Wake tells the dispatcher that public events were committed, so that it
// looks at once rather than at its next poll (the projector, when in this
// process, may call it after each commit).
func (d *Dispatcher) Wake() { d.wake.Fire() }

// Run fans out, delivers and purges the delivery log until ctx ends.
// Attempts under way then are finished and recorded (each takes at most
// the timeout) before it returns, so that a clean stop re-sends nothing.
// A Dispatcher runs once.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); d.listen(ctx, &d.wake) }()
	go func() { defer wg.Done(); d.runFanOut(ctx) }()
	go func() { defer wg.Done(); d.runPurge(ctx) }()
	go func() { defer wg.Done(); d.successes.run() }()
	d.runWorkers(ctx) // returns once no attempt is under way
	close(d.successes.queue)
	wg.Wait()
	d.letGoOfDeferred()
}

// runFanOut queues deliveries as public events arrive.
func (d *Dispatcher) runFanOut(ctx context.Context) {
	failWait := time.Duration(0)
	for ctx.Err() == nil {
		woken := d.wake.Wait() // before the read, so no wake-up is lost
		r, err := d.fanOut(ctx)
		wait := d.opts.Poll
		switch {
		case err != nil && ctx.Err() == nil:
			failWait = min(max(2*failWait, failedLookWait), idleLook)
			d.opts.Logger.Warn("webhooks: fan-out failed; retrying", "retry_in", failWait, "error", err)
			wait, woken = failWait, nil
		case err == nil:
			failWait = 0
			if r.queued.count > 0 {
				d.metrics.queued.Add(float64(r.queued.count))
			}
			if len(r.queued.leased) > 0 {
				d.giveBack(d.holding.addLeased(r.queued.leased, r.queued.more))
				d.freed.Fire() // our workers start them
			}
			if len(r.queued.more) > 0 { // deliveries to be claimed
				d.wake.Fire() // our workers
				d.tellOthers(ctx)
			}
			if r.full || r.behind {
				continue
			}
			if len(r.waiting) > 0 {
				// Deferred deliveries: woken when a window has room for
				// them, by new events, or at the poll.
				roomy := d.room.Wait()
				if d.holding.awaitRoom(d.opts, r.waiting) {
					continue
				}
				d.pause(ctx, woken, roomy, wait)
				continue
			}
		}
		if pause.Until(ctx, woken, wait) != nil {
			return
		}
	}
}

// tellOthers wakes other processes' workers (our own listener ignores it).
func (d *Dispatcher) tellOthers(ctx context.Context) {
	if _, err := d.store.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, deliveriesChannel, d.instance); err != nil && ctx.Err() == nil {
		d.opts.Logger.Warn("webhooks: notify failed; other processes will find the deliveries on their next look", "error", err)
	}
}
