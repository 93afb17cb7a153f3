package natspublisher

import (
	"context"
	"time"

	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/wakeup"
	"github.com/rosterhq/roster/projections/publicevents"
)

// listen fires woken whenever the public events projector announces
// complete rows (NOTIFY publicevents.Channel, from any process), and when
// its LISTEN takes effect or its connection breaks (announcements may have
// been missed meanwhile), until ctx ends. A broken connection is warned of
// and made again after a back-off; the publisher polls meanwhile.
func (p *Publisher) listen(ctx context.Context, woken *wakeup.Signal) {
	wait := time.Duration(0)
	for ctx.Err() == nil {
		began := time.Now()
		err := wakeup.Listen(ctx, p.pool.Config().ConnConfig.Copy(), publicevents.Channel, woken, nil)
		woken.Fire()
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > mostRetry { // it had been listening: a new outage
			wait = 0
		}
		wait = min(max(wait*2, leastRetry), mostRetry)
		p.opts.Logger.Warn("nats publisher: lost its LISTEN connection; polling until it is back", "retry_in", wait, "error", err)
		if pause.For(ctx, wait) != nil {
			return
		}
	}
}
