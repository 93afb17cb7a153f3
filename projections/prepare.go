package projections

import (
	"context"
	"fmt"
)

// Preparer is implemented by projectors whose rows depend on what their
// own tables already hold — the audit trail chains each entry's hash to the
// previous entry of its tenant. Apply calls Prepare before any of the
// batch's statements, and reduces the batch with the projector it returns,
// so that Reduce stays pure and nothing carries over from a batch that rolls
// back.
//
// Prepare reads through db: the batch's transaction, or, when the batch is
// applied in one round trip (applyInOneTrip), the connection that then
// sends it, just before. Either way it reads committed rows at READ
// COMMITTED, as every statement of the transaction would, and before the
// checkpoint row is locked. That is safe because one process runs the
// projectors and applies a projector's batches one at a time, and a batch
// applied twice anyway (stale reads included) fails on its checkpoint or on
// the keys of its COPY rows.
type Preparer interface {
	// Prepare reads what reducing events needs (one query, ideally) and
	// returns the projector to reduce them with.
	Prepare(ctx context.Context, db DB, events []Event) (Projector, error)
}

// prepare returns the projector to reduce events with: p itself, or what
// p's Prepare returns.
func prepare(ctx context.Context, db DB, p Projector, events []Event) (Projector, error) {
	preparer, ok := p.(Preparer)
	if !ok {
		return p, nil
	}
	prepared, err := preparer.Prepare(ctx, db, events)
	if err != nil {
		return nil, fmt.Errorf("projections: %s: prepare: %w", p.Name(), err)
	}
	return prepared, nil
}
