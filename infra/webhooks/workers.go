package webhooks

import (
	"context"
	"sync"
	"time"

	"github.com/rosterhq/roster/commands/pause"
)

// runWorkers claims due deliveries while it has free slots, and sends each
// in its own goroutine, at most Concurrency at once. Sends outlive ctx (see
// Run); claiming stops with it.
func (d *Dispatcher) runWorkers(ctx context.Context) {
	slots := make(chan struct{}, d.opts.Concurrency)
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	failWait := time.Duration(0)
	for ctx.Err() == nil {
		woken, freed := d.wake.Wait(), d.freed.Wait()
		free := cap(slots) - len(slots)
		if free == 0 {
			if pause.Until(ctx, freed, idleLook) != nil {
				return
			}
			continue
		}
		batch, err := d.claim(ctx, free)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failWait = min(max(2*failWait, failedLookWait), idleLook)
			d.opts.Logger.Warn("webhooks: claiming deliveries failed; retrying", "retry_in", failWait, "error", err)
			if pause.For(ctx, failWait) != nil {
				return
			}
			continue
		}
		failWait = 0
		for _, c := range batch {
			slots <- struct{}{}
			inFlight.Go(func() {
				defer func() { <-slots; d.freed.Fire() }()
				d.deliver(c)
			})
		}
		if len(batch) == free {
			continue // more may be due
		}
		if pause.Until(ctx, woken, d.idleWait(ctx)) != nil {
			return
		}
	}
}

// idleWait is how long the workers may wait, unwoken, for the next due
// delivery: until it is due, at most idleLook, at least a millisecond (a
// delivery another worker is claiming this instant looks due).
func (d *Dispatcher) idleWait(ctx context.Context) time.Duration {
	wait, err := d.untilNextDue(ctx, idleLook)
	if err != nil {
		return failedLookWait
	}
	return max(wait, time.Millisecond)
}

// deliver makes one attempt and records it.
func (d *Dispatcher) deliver(c claimed) {
	start := time.Now()
	o := d.send(context.Background(), c)
	d.metrics.latency.Observe(o.latency.Seconds())
	v := judge(c, o, d.opts.Backoff)
	if err := d.record(c, start, o, v); err != nil {
		// The lease runs out and another attempt follows: at least once.
		d.opts.Logger.Warn("webhooks: recording an attempt failed; it will be made again", "tenant", c.tenant,
			"endpoint", c.endpoint, "event", c.eventID, "error", err)
		return
	}
	d.metrics.attempts.WithLabelValues(resultLabel[v.state]).Inc()
}
