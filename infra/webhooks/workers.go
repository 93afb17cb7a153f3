package webhooks

import (
	"context"
	"sync"
	"time"
)

// runWorkers claims due deliveries while it has free slots, and sends each
// in its own goroutine, at most Concurrency at once and PerEndpoint per
// endpoint. Sends outlive ctx (see Run); claiming stops with it.
func (d *Dispatcher) runWorkers(ctx context.Context) {
	var sending sync.WaitGroup
	defer sending.Wait()
	failWait := time.Duration(0)
	for ctx.Err() == nil {
		woken, freed := d.wake.Wait(), d.freed.Wait() // before the look, so that no wake-up is lost
		b := d.inFlight.snapshot()
		free := d.opts.Concurrency - b.total
		if free == 0 {
			d.pause(ctx, nil, freed, idleLook)
			continue
		}
		batch, err := d.claim(ctx, free, b)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failWait = min(max(2*failWait, failedLookWait), idleLook)
			d.opts.Logger.Warn("webhooks: claiming deliveries failed; retrying", "retry_in", failWait, "error", err)
			d.pause(ctx, nil, nil, failWait)
			continue
		}
		failWait = 0
		d.sendAll(batch, &sending)
		if len(batch) == free {
			continue // more may be due
		}
		// Attempts just started end soon and free their slots: only when
		// none did is it worth asking when the next delivery is due.
		wait := d.opts.Poll
		if len(batch) == 0 {
			wait = d.idleWait(ctx)
		}
		d.pause(ctx, woken, freed, wait)
	}
}

// sendAll starts an attempt of each delivery of batch, each in its slot.
func (d *Dispatcher) sendAll(batch []claimed, sending *sync.WaitGroup) {
	for _, c := range batch {
		k := endpointKey{c.tenant, c.endpoint}
		d.inFlight.add(k)
		sending.Go(func() {
			defer func() { d.inFlight.done(k); d.freed.Fire() }()
			d.deliver(c)
		})
	}
}

// pause waits for ctx, either signal (nil: none) or the limit.
func (d *Dispatcher) pause(ctx context.Context, woken, freed <-chan struct{}, limit time.Duration) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-woken:
	case <-freed:
	case <-timer.C:
	}
}

// idleWait is how long the workers may wait, unwoken, for the next due
// delivery: until it is due, at most idleLook, at least a millisecond (a
// delivery another worker is claiming this instant looks due).
func (d *Dispatcher) idleWait(ctx context.Context) time.Duration {
	wait, err := d.untilNextDue(ctx, d.inFlight.snapshot(), idleLook)
	if err != nil {
		return failedLookWait
	}
	return max(wait, time.Millisecond)
}

// deliver makes one attempt and records it: a success at an endpoint that
// was not failing in the next batch, anything else at once.
func (d *Dispatcher) deliver(c claimed) {
	start := time.Now()
	o := d.send(context.Background(), c)
	d.metrics.latency.Observe(o.latency.Seconds())
	if o.delivered() && !c.failing {
		d.successes.record(success{c, start, o})
		return
	}
	v := judge(c, o, d.opts.Backoff)
	if err := d.record(c, start, o, v); err != nil {
		// The lease runs out and another attempt follows: at least once.
		d.opts.Logger.Warn("webhooks: recording an attempt failed; it will be made again", "tenant", c.tenant,
			"endpoint", c.endpoint, "event", c.eventID, "error", err)
		return
	}
	d.metrics.attempts.WithLabelValues(resultLabel[v.state]).Inc()
}
