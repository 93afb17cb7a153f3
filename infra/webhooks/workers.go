package webhooks

import (
	"context"
	"sync"
	"time"
)

// runWorkers claims due deliveries while this process may hold more, and
// sends each in its own goroutine as soon as it has a slot (see holding).
// Sends outlive ctx (see Run); claiming stops with it, and whatever was
// claimed and not sent then goes back at once.
func (d *Dispatcher) runWorkers(ctx context.Context) {
	var sending sync.WaitGroup
	defer sending.Wait()
	defer func() { d.giveBack(d.holding.drain()) }()
	failWait := time.Duration(0)
	// A claim is worth a statement when deliveries were queued (woke),
	// when an endpoint that may have more due has room (busy.short), or,
	// from lookAt on, when slots are free for endpoints it holds nothing
	// of; not on every freed slot, nor for a fast endpoint's window that
	// is still more than half full, which would cost a statement per
	// attempt.
	lookAt, woke := time.Now(), true
	for ctx.Err() == nil {
		woken, freed := d.wake.Wait(), d.freed.Wait() // before the look, so that no wake-up is lost
		d.startHeld(&sending)
		now := time.Now()
		b := d.holding.snapshot(d.opts, now)
		n := b.wanted(d.opts)
		if n == 0 || !(woke || b.short || (!now.Before(lookAt) && b.free(d.opts) > 0)) {
			wait := max(lookAt.Sub(now), d.opts.Poll)
			if d.pause(ctx, woken, freed, wait) {
				woke = true
			}
			continue
		}
		woke = false
		batch, err := d.claim(ctx, n, b)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failWait = min(max(2*failWait, failedLookWait), idleLook)
			d.opts.Logger.Warn("webhooks: claiming deliveries failed; retrying", "retry_in", failWait, "error", err)
			d.pause(ctx, nil, nil, failWait)
			woke = true // to retry
			continue
		}
		failWait = 0
		d.metrics.claims.Inc()
		d.holding.add(batch, b, n, d.opts)
		d.startHeld(&sending)
		if len(batch) == n && b.free(d.opts) > 0 {
			lookAt = time.Now() // more may be due, for slots as well as windows
			continue
		}
		// Attempts just started end soon and free their slots, which may
		// then take more: unless the claim found fewer due than it asked
		// for, or nothing is held, when it is worth asking when the next
		// delivery is due (new ones wake the workers) rather than claiming
		// again at every poll.
		wait := d.opts.Poll
		if b.sending+b.waiting+len(batch) == 0 || len(batch) < n {
			wait = d.idleWait(ctx)
		}
		lookAt = time.Now().Add(wait)
		woke = d.pause(ctx, woken, freed, wait)
	}
}

// startHeld starts an attempt of each held delivery that has a slot, and
// gives back those whose lease would run out during their attempt (it
// must cover the timeout, and a second to record the attempt, as lease
// does).
func (d *Dispatcher) startHeld(sending *sync.WaitGroup) {
	send, stale := d.holding.start(d.opts, time.Now(), d.opts.Timeout+time.Second)
	d.giveBack(stale)
	for _, c := range send {
		sending.Go(func() {
			back, roomy := d.holding.done(endpointKey{c.tenant, c.endpoint}, d.deliver(c), time.Now(), d.opts)
			d.giveBack(back)
			if roomy {
				d.room.Fire()
			}
			d.startHeld(sending) // the freed slot's next, without waiting for the claiming loop
			d.freed.Fire()
		})
	}
}

// pause waits for ctx, either signal (nil: none) or the limit, and says
// whether it was woken (deliveries were queued).
func (d *Dispatcher) pause(ctx context.Context, woken, freed <-chan struct{}, limit time.Duration) bool {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-woken:
		return true
	case <-freed:
	case <-timer.C:
	}
	return false
}

// idleWait is how long the workers may wait, unwoken, for the next due
// delivery: until it is due, at most idleLook, at least a millisecond (a
// delivery another worker is claiming this instant looks due).
func (d *Dispatcher) idleWait(ctx context.Context) time.Duration {
	wait, err := d.untilNextDue(ctx, d.holding.snapshot(d.opts, time.Now()), idleLook)
	if err != nil {
		return failedLookWait
	}
	return max(wait, time.Millisecond)
}

// deliver makes one attempt and records it: a success at an endpoint that
// was not failing in the next batch, anything else at once. It says how
// fast the attempt went.
func (d *Dispatcher) deliver(c claimed) speed {
	start := time.Now()
	o := d.send(context.Background(), c)
	d.metrics.latency.Observe(o.latency.Seconds())
	s := speedOf(o)
	if o.delivered() && !c.failing {
		d.successes.record(success{c, start, o})
		return s
	}
	if c.rowless { // its row first, leased to this attempt, which record then ends
		if err := d.writeRowless([]claimed{c}, true); err != nil {
			d.opts.Logger.Warn("webhooks: writing a delivery failed; it is queued again from its deferred row", "tenant", c.tenant,
				"endpoint", c.endpoint, "event", c.eventID, "error", err)
			return slow
		}
	}
	v := judge(c, o, d.opts.Backoff)
	if err := d.record(c, start, o, v); err != nil {
		// The lease runs out and another attempt follows: at least once.
		d.opts.Logger.Warn("webhooks: recording an attempt failed; it will be made again", "tenant", c.tenant,
			"endpoint", c.endpoint, "event", c.eventID, "error", err)
		return slow
	}
	d.metrics.attempts.WithLabelValues(resultLabel[v.state]).Inc()
	return s
}
