package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// ErrAlreadyApplied is returned by Apply for a batch at or before the
// projector's checkpoint: it was applied before (a redelivery), and applying
// it again would corrupt the read model.
var ErrAlreadyApplied = errors.New("projections: batch already applied")

// Apply applies events (consecutive, in feed order) to p's tables and moves
// p's checkpoint to the last of them, in one transaction: the checkpoint
// row is locked first (so two processes never apply the same projection at
// once), then every statement of the batch is pipelined. From a pool, a
// batch without rows to COPY takes one round trip (applyInOneTrip).
func Apply(ctx context.Context, pool Beginner, p Projector, events []Event) error {
	return ApplyHolding(ctx, pool, p, events, nil)
}

// ApplyHolding is Apply with the events of the tenants held (held not nil
// and true) left out: p's checkpoint moves past them unapplied, because p
// holds them back until a retry (see TenantFailure). An event that could
// not be decoded fails the batch, unless its tenant is held.
//
// The batch is prepared (see Preparer) and reduced once, then sent: in one
// round trip when it has no rows to COPY (applyInOneTrip), else, or when
// PostgreSQL refused that trip, in a transaction that says why
// (applyInTx).
func ApplyHolding(ctx context.Context, pool Beginner, p Projector, events []Event, held func(domain.TenantID) bool) error {
	if len(events) == 0 {
		return nil
	}
	kept := keptOf(events, held)
	if err := decodable(p, kept); err != nil {
		return err
	}
	conns, ok := pool.(acquirer)
	if !ok {
		return withTx(ctx, pool, p, func(tx pgx.Tx) error {
			w, err := reduced(ctx, tx, p, kept)
			if err != nil {
				return err
			}
			return applyInTx(ctx, tx, p, events, w)
		})
	}
	conn, err := conns.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("projections: %s: begin: %w", p.Name(), err)
	}
	defer conn.Release()
	w, err := reduced(ctx, conn, p, kept)
	if err != nil {
		return err
	}
	if len(w.copied()) == 0 && applyInOneTrip(ctx, conn, p, events, w) {
		return nil
	}
	return withTx(ctx, conn, p, func(tx pgx.Tx) error { return applyInTx(ctx, tx, p, events, w) })
}

// withTx runs apply in a transaction of db's and commits it.
func withTx(ctx context.Context, db Beginner, p Projector, apply func(pgx.Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("projections: %s: begin: %w", p.Name(), err)
	}
	defer tx.Rollback(ctx) // after Commit, a no-op
	if err := apply(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("projections: %s: commit: %w", p.Name(), err)
	}
	return nil
}

// applyInTx applies w, the reduced events, in tx: its COPYs, then one
// pipelined batch that locks the checkpoint row first, runs the
// statements and moves the checkpoint.
func applyInTx(ctx context.Context, tx pgx.Tx, p Projector, events []Event, w work) error {
	if err := w.load(ctx, tx); err != nil {
		return fmt.Errorf("projections: %s: %w", p.Name(), err)
	}
	batch := &pgx.Batch{}
	batch.Queue(`SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, p.Name())
	w.queue(batch)
	first, last := events[0].Position, events[len(events)-1].Position
	batch.Queue(moveCheckpointSQL, p.Name(), last.Commit, last.Prepare, len(events))
	// A read model is derived from the events, and its checkpoint commits
	// with its rows: if PostgreSQL itself crashed before this commit reached
	// the disk, both would roll back together and the projector would apply
	// the batch again from the events, which are committed synchronously.
	// So the commit need not wait for its WAL flush (visible at once, durable
	// within wal_writer_delay): a flush per projector per batch, 6 behind
	// every command, was the largest share of the lag from append to read.
	// Anything later committed synchronously (a webhook delivery derived
	// from these rows) flushes this commit's WAL with its own.
	batch.Queue(`SET LOCAL synchronous_commit = off`)
	results := tx.SendBatch(ctx, batch)
	defer results.Close()
	var at eventstore.Position
	if err := results.QueryRow().Scan(&at.Commit, &at.Prepare); err != nil {
		return fmt.Errorf("projections: %s: lock checkpoint: %w", p.Name(), err)
	}
	if first.Compare(at) <= 0 {
		return fmt.Errorf("%w: %s is at %s, batch starts at %s", ErrAlreadyApplied, p.Name(), at, first)
	}
	for i := range batch.Len() - 1 {
		if _, err := results.Exec(); err != nil {
			return fmt.Errorf("projections: %s: statement %d of the batch ending at %s: %w", p.Name(), i+1, last, err)
		}
	}
	return results.Close()
}

// acquirer lends a connection of its own (a pool does).
type acquirer interface {
	Acquire(ctx context.Context) (*pgxpool.Conn, error)
}

// applyInOneTrip applies w, a batch with no rows to COPY (no table gets
// more than fewRows rows, as live batches are), in one round trip on conn:
// BEGIN, the checkpoint's lock, the statements, the checkpoint's move and
// COMMIT, pipelined. applyInTx takes three round trips (BEGIN, the batch,
// COMMIT); at 500 commands/s the read side's round trips, more than its
// statements, kept both cores busy and the lag's p99 above 20 ms.
//
// It reports false, having stored nothing, when PostgreSQL refused the
// batch: the caller then applies it with applyInTx, which tells a batch
// already applied from a failure, as before.
func applyInOneTrip(ctx context.Context, conn *pgxpool.Conn, p Projector, events []Event, w work) bool {
	first, last := events[0].Position, events[len(events)-1].Position
	batch := &pgx.Batch{}
	batch.Queue(`BEGIN`)
	batch.Queue(lockBeforeSQL, p.Name(), first.Commit, first.Prepare)
	w.queue(batch)
	batch.Queue(moveCheckpointSQL, p.Name(), last.Commit, last.Prepare, len(events))
	batch.Queue(`SET LOCAL synchronous_commit = off`) // see applyInTx
	batch.Queue(`COMMIT`)
	results := conn.SendBatch(ctx, batch)
	var err error
	for range batch.Len() {
		if _, err = results.Exec(); err != nil {
			break
		}
	}
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		// A refusal left the transaction open and aborted: end it, so the
		// connection goes back clean (the pool drops one that is not).
		_, _ = conn.Exec(ctx, `ROLLBACK`)
		return false
	}
	return true
}

// lockBeforeSQL locks p's checkpoint row ($1) if it is before the batch's
// first event ($2, $3), and divides by zero otherwise (the batch was
// applied, or the row is missing), which aborts the transaction.
const lockBeforeSQL = `SELECT 1 / count(*)::int FROM (
    SELECT 1 FROM projection_checkpoints
    WHERE name = $1 AND (commit_position, prepare_position) < ($2::numeric, $3::numeric)
    FOR UPDATE) AS before_batch`

// moveCheckpointSQL moves p's checkpoint ($1) to the batch's last event
// ($2, $3), counting its $4 events.
const moveCheckpointSQL = `UPDATE projection_checkpoints SET commit_position = $2, prepare_position = $3,
    events = events + $4, updated_at = now(), failed_at = NULL, error = NULL WHERE name = $1`

// work is a batch prepared and reduced: its COPY rows by table, and its
// other statements in order.
type work struct {
	rows  *copies
	plain []Statement
}

// reduced prepares p for events (reading through db) and reduces them.
func reduced(ctx context.Context, db DB, p Projector, events []Event) (work, error) {
	w := work{rows: newCopies()}
	if len(events) == 0 {
		return w, nil
	}
	p, err := prepare(ctx, db, p, events)
	if err != nil {
		return work{}, err
	}
	for _, st := range reduceBatch(p, events) {
		if st.Copy != nil {
			w.rows.add(*st.Copy)
			continue
		}
		w.plain = append(w.plain, st)
	}
	return w, nil
}

// queue queues w on batch: the rows of each table that has at most fewRows
// as INSERTs, ahead of the statements (which may update them) as they
// would have been copied ahead of them, then the statements.
func (w work) queue(batch *pgx.Batch) {
	for _, key := range w.rows.order {
		rows := w.rows.rows[key]
		if len(rows) > fewRows {
			continue
		}
		sql := insertSQL(rows[0].Table, rows[0].Columns)
		for _, r := range rows {
			batch.Queue(sql, r.Values...)
		}
	}
	for _, st := range w.plain {
		batch.Queue(st.SQL, st.Args...)
	}
}

// copied is the tables w COPYs: those with more than fewRows rows.
func (w work) copied() []string {
	var keys []string
	for _, key := range w.rows.order {
		if len(w.rows.rows[key]) > fewRows {
			keys = append(keys, key)
		}
	}
	return keys
}

// load COPYs each table of w.copied, in the order tables first appeared.
func (w work) load(ctx context.Context, tx pgx.Tx) error {
	for _, key := range w.copied() {
		rows := w.rows.rows[key]
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

// keptOf is events without those of held tenants.
func keptOf(events []Event, held func(domain.TenantID) bool) []Event {
	if held == nil {
		return events
	}
	kept := make([]Event, 0, len(events))
	for _, e := range events {
		if !held(e.Tenant) {
			kept = append(kept, e)
		}
	}
	return kept
}

// decodable fails on the first event that could not be decoded.
func decodable(p Projector, events []Event) error {
	for _, e := range events {
		if e.DecodeErr != nil {
			return fmt.Errorf("projections: %s: event %s (%s, tenant %s) at %s cannot be decoded: %w",
				p.Name(), e.ID, e.Type, e.Tenant, e.Position, e.DecodeErr)
		}
	}
	return nil
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

// fewRows is the most rows of one table that a batch INSERTs rather than
// COPYs. A COPY is a round trip of its own, outside the batch's pipeline,
// and costs PostgreSQL about 0.3–0.4 ms however few its rows
// (pg_stat_statements at 500 commands/s, where live batches carry one or
// two events): three tables copied per batch were the read side's largest
// cost. From a few dozen rows on, COPY is the cheaper.
const fewRows = 32

// insertSQL inserts one row of columns into table.
func insertSQL(table string, columns []string) string {
	quoted, params := make([]string, len(columns)), make([]string, len(columns))
	for i, c := range columns {
		quoted[i], params[i] = pgx.Identifier{c}.Sanitize(), fmt.Sprintf("$%d", i+1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", pgx.Identifier{table}.Sanitize(), strings.Join(quoted, ", "), strings.Join(params, ", "))
}
