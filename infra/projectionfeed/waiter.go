package projectionfeed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/readapi"
)

var _ readapi.Waiter = (*Waiter)(nil)

// checkpointPoll is how often the Waiter re-reads checkpoints when no
// in-process progress wakes it (the projectors run in another process).
const checkpointPoll = 25 * time.Millisecond

// Waiter waits for read models to apply a position: woken at once by this
// process's projectors, and reading the stored checkpoints otherwise.
type Waiter struct {
	Pool   *pgxpool.Pool
	Status *projections.Status
}

// WaitFor returns once every named read model has applied at, with the
// failure of one that stopped before it, or with ctx's error.
func (w *Waiter) WaitFor(ctx context.Context, at eventstore.Position, readModels ...string) error {
	for {
		reached, err := w.stored(ctx, at, readModels)
		if err != nil || reached {
			return err
		}
		wait, cancel := context.WithTimeout(ctx, checkpointPoll)
		err = w.Status.WaitFor(wait, at, readModels...)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// stored reports whether the stored checkpoints have all reached at.
func (w *Waiter) stored(ctx context.Context, at eventstore.Position, readModels []string) (bool, error) {
	for _, name := range readModels {
		c, err := projections.LoadCheckpoint(ctx, w.Pool, name)
		if err != nil {
			return false, err
		}
		if c.Position.Compare(at) < 0 {
			if c.Error != "" {
				return false, fmt.Errorf("projectionfeed: %s stopped before %s: %s", name, at, c.Error)
			}
			return false, nil
		}
	}
	return true, nil
}
