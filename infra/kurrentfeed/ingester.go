package kurrentfeed

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
)

// notifyChannel announces new rows of kurrent_feed.
const notifyChannel = "roster_kurrent_feed"

// Source is the KurrentDB store's subscription with checkpoints
// (kurrentdb.Store.SubscribeCheckpointed): batches, possibly empty, and the
// position after each.
type Source interface {
	SubscribeCheckpointed(ctx context.Context, after eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent, eventstore.Position) error) error
}

// Ingester copies a Source into kurrent_feed; see the package comment.
type Ingester struct {
	source Source
	pool   *pgxpool.Pool
	feed   *Feed // woken directly after each commit; may be nil
	// inBatch runs in each batch's transaction with the batch's new events.
	inBatch func(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error
	log     *slog.Logger
}

// NewIngester copies source into pool's kurrent_feed, waking feed's local
// subscribers after each batch. inBatch (may be nil) runs inside each
// batch's transaction; its error rolls the batch back.
func NewIngester(source Source, pool *pgxpool.Pool, feed *Feed, inBatch func(context.Context, pgx.Tx, []eventstore.RecordedEvent) error, log *slog.Logger) *Ingester {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{source: source, pool: pool, feed: feed, inBatch: inBatch, log: log}
}

// Run ingests until ctx ends (and returns ctx.Err()). A failure (PostgreSQL
// or KurrentDB away, a batch refused) starts over from the stored position,
// backing off while it lasts.
func (in *Ingester) Run(ctx context.Context) error {
	wait := time.Duration(0)
	for {
		from, err := in.position(ctx)
		if err == nil {
			err = in.source.SubscribeCheckpointed(ctx, from, in.store)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait = min(max(2*wait, 50*time.Millisecond), 5*time.Second)
		in.log.Warn("kurrent feed ingester failed; starting over from the stored position", "in", wait, "error", err)
		if err := pause.For(ctx, wait); err != nil {
			return err
		}
	}
}

func (in *Ingester) position(ctx context.Context) (eventstore.Position, error) {
	return storedPosition(ctx, in.pool)
}

// storedPosition is how far the ingesters have copied $all, as committed.
func storedPosition(ctx context.Context, pool *pgxpool.Pool) (eventstore.Position, error) {
	var commit, prepare int64
	err := pool.QueryRow(ctx, `SELECT commit_position, prepare_position FROM kurrent_feed_position`).Scan(&commit, &prepare)
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("kurrentfeed: read the ingester's position: %w", err)
	}
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}, nil
}

// store writes one batch and the position after it in one transaction. The
// position row is locked first: an event at or before the stored position
// was copied already (by another ingester, or before a restart) and is left
// out. A batch PostgreSQL refuses a value of is stored again event by event,
// the refused events set aside (aside.go).
func (in *Ingester) store(ctx context.Context, batch []eventstore.RecordedEvent, pos eventstore.Position) error {
	if pos.Commit > math.MaxInt64 || pos.Prepare > math.MaxInt64 {
		return fmt.Errorf("kurrentfeed: position %s does not fit PostgreSQL's bigint", pos)
	}
	err := in.storeWith(ctx, batch, pos, in.write)
	if unstorable(err) {
		err = in.storeWith(ctx, batch, pos, in.writeSettingAside)
	}
	return err
}

// storeWith stores the events of batch after the stored position with
// write, and pos, in one transaction, then wakes the feed's readers.
func (in *Ingester) storeWith(ctx context.Context, batch []eventstore.RecordedEvent, pos eventstore.Position,
	write func(context.Context, pgx.Tx, []eventstore.RecordedEvent, eventstore.Position) error) error {
	tx, err := in.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("kurrentfeed: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after Commit
	fresh, err := unstored(ctx, tx, batch, pos)
	if err != nil || fresh == nil {
		return err
	}
	if err := write(ctx, tx, fresh, pos); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("kurrentfeed: commit: %w", err)
	}
	if in.feed != nil {
		in.feed.arrived.Fire()
	}
	return nil
}

// feedColumns are kurrent_feed's columns, as rowOf fills them.
var feedColumns = []string{"commit_position", "prepare_position", "stream_id", "stream_version", "event_id", "event_type",
	"schema_version", "payload", "metadata", "occurred_at"}

func rowOf(e eventstore.RecordedEvent) []any {
	return []any{int64(e.Position.Commit), int64(e.Position.Prepare), e.StreamID, e.StreamVersion, e.ID,
		e.Type, int32(e.SchemaVersion), string(e.Payload), string(e.Metadata), e.OccurredAt}
}

// write copies events, moves the position, runs the hook and notifies.
func (in *Ingester) write(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent, pos eventstore.Position) error {
	if len(events) > 0 {
		rows := make([][]any, len(events))
		for i, e := range events {
			rows[i] = rowOf(in.fitted(e))
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"kurrent_feed"}, feedColumns, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("kurrentfeed: copy %d events: %w", len(events), err)
		}
	}
	return in.finish(ctx, tx, events, pos)
}

// finish moves the position past events, runs the hook and notifies.
func (in *Ingester) finish(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent, pos eventstore.Position) error {
	if _, err := tx.Exec(ctx, `UPDATE kurrent_feed_position SET commit_position = $1, prepare_position = $2`,
		int64(pos.Commit), int64(pos.Prepare)); err != nil {
		return fmt.Errorf("kurrentfeed: move the ingester's position: %w", err)
	}
	if in.inBatch != nil && len(events) > 0 {
		if err := in.inBatch(ctx, tx, events); err != nil {
			return fmt.Errorf("kurrentfeed: in-batch hook: %w", err)
		}
	}
	if len(events) > 0 {
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, '')", notifyChannel); err != nil {
			return fmt.Errorf("kurrentfeed: notify: %w", err)
		}
	}
	return nil
}
