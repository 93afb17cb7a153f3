package webhooks

import (
	"context"
	"time"

	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/wakeup"
	"github.com/rosterhq/roster/projections/publicevents"
)

// PublicEventsChannel is the NOTIFY channel that tells the fan-out new
// public events were committed; the public events projector (or anyone
// else) may notify it after a commit. Without it the fan-out finds them
// within Options.Poll.
const PublicEventsChannel = publicevents.Channel

// deliveriesChannel is the NOTIFY channel that tells every process's
// workers that deliveries were queued (fan-out, replay, an endpoint
// enabled). Its payload is the notifying process's instance, so that a
// dispatcher ignores its own (it woke its workers already); an empty
// payload wakes everyone.
const deliveriesChannel = "roster_webhooks"

// listen LISTENs on both channels and fires wake on every notification
// that is not the dispatcher's own, and once LISTEN has taken effect
// (something may have come before), until ctx ends; it reconnects after a
// failure, waking too (notifications may have been lost meanwhile).
func (d *Dispatcher) listen(ctx context.Context, wake *wakeup.Signal) {
	var backoff time.Duration
	for ctx.Err() == nil {
		err := d.listenOnce(ctx, wake)
		wake.Fire()
		if ctx.Err() != nil {
			return
		}
		backoff = min(max(2*backoff, 50*time.Millisecond), 5*time.Second)
		d.opts.Logger.Warn("webhooks: listener lost its connection; reconnecting", "retry_in", backoff, "error", err)
		if pause.For(ctx, backoff) != nil {
			return
		}
	}
}

func (d *Dispatcher) listenOnce(ctx context.Context, wake *wakeup.Signal) error {
	return wakeup.ListenAll(ctx, d.store.pool.Config().ConnConfig.Copy(), []string{PublicEventsChannel, deliveriesChannel}, wake,
		func(payload string) bool { return payload == d.instance })
}
