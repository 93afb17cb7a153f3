package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrAlreadyApplied is returned by Apply for a batch at or before the
// projector's checkpoint: it was applied before (a redelivery), and applying
// it again would corrupt the read model.
var ErrAlreadyApplied = errors.New("projections: batch already applied")

// Apply applies events (consecutive, in feed order) to p's tables and moves
// p's checkpoint to the last of them, in one transaction and one round trip:
// the checkpoint row is locked first (so two processes never apply the same
// projection at once), then every statement of the batch is pipelined.
func Apply(ctx context.Context, pool *pgxpool.Pool, p Projector, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("projections: %s: begin: %w", p.Name(), err)
	}
	defer tx.Rollback(ctx) // after Commit, a no-op
	if err := applyInTx(ctx, tx, p, events); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("projections: %s: commit: %w", p.Name(), err)
	}
	return nil
}

func applyInTx(ctx context.Context, tx pgx.Tx, p Projector, events []Event) error {
	p, err := prepare(ctx, tx, p, events)
	if err != nil {
		return err
	}
	batch := &pgx.Batch{}
	batch.Queue(`SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, p.Name())
	statements, copies := 0, newCopies()
	for _, st := range reduceBatch(p, events) {
		if st.Copy != nil {
			copies.add(*st.Copy)
			continue
		}
		batch.Queue(st.SQL, st.Args...)
		statements++
	}
	if err := copies.load(ctx, tx); err != nil {
		return fmt.Errorf("projections: %s: %w", p.Name(), err)
	}
	last := events[len(events)-1].Position
	batch.Queue(`UPDATE projection_checkpoints SET commit_position = $2, prepare_position = $3,
    events = events + $4, updated_at = now(), failed_at = NULL, error = NULL WHERE name = $1`,
		p.Name(), last.Commit, last.Prepare, len(events))
	results := tx.SendBatch(ctx, batch)
	defer results.Close()
	var at Position
	if err := results.QueryRow().Scan(&at.Commit, &at.Prepare); err != nil {
		return fmt.Errorf("projections: %s: lock checkpoint: %w", p.Name(), err)
	}
	if events[0].Position.Compare(at) <= 0 {
		return fmt.Errorf("%w: %s is at %s, batch starts at %s", ErrAlreadyApplied, p.Name(), at, events[0].Position)
	}
	for i := range statements + 1 {
		if _, err := results.Exec(); err != nil {
			return fmt.Errorf("projections: %s: statement %d of the batch ending at %s: %w", p.Name(), i+1, last, err)
		}
	}
	return results.Close()
}

// reduceBatch is the statements of a batch: p's own ReduceBatch when it has
// one, else Reduce of each event in turn.
func reduceBatch(p Projector, events []Event) []Statement {
	if b, ok := p.(BatchReducer); ok {
		return b.ReduceBatch(events)
	}
	var out []Statement
	for _, e := range events {
		out = append(out, p.Reduce(e)...)
	}
	return out
}

// copies gathers a batch's Copy rows by table and column list.
type copies struct {
	order []string
	rows  map[string][]Row
}

func newCopies() *copies { return &copies{rows: map[string][]Row{}} }

func (c *copies) add(r Row) {
	key := r.Table + "\x00" + strings.Join(r.Columns, ",")
	if _, seen := c.rows[key]; !seen {
		c.order = append(c.order, key)
	}
	c.rows[key] = append(c.rows[key], r)
}

// load COPYs each table's rows, in the order tables first appeared.
func (c *copies) load(ctx context.Context, tx pgx.Tx) error {
	for _, key := range c.order {
		rows := c.rows[key]
		values := make([][]any, len(rows))
		for i, r := range rows {
			values[i] = r.Values
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{rows[0].Table}, rows[0].Columns, pgx.CopyFromRows(values)); err != nil {
			return fmt.Errorf("copy into %s: %w", rows[0].Table, err)
		}
	}
	return nil
}
