package kurrentfeed

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/wakeup"
)

var _ eventstore.Feed = (*Feed)(nil)

// Feed serves kurrent_feed as the event store's feed. Close stops its
// listener.
type Feed struct {
	pool     *pgxpool.Pool
	batch    int
	idlePoll time.Duration
	log      *slog.Logger

	arrived    wakeup.Signal
	listenOnce sync.Once
	background context.Context
	stop       context.CancelFunc
	wg         sync.WaitGroup
}

// NewFeed returns the feed of pool's kurrent_feed table (migrated), read in
// pages of batch events (default 1000), checked at least every second
// should a notification be lost.
func NewFeed(pool *pgxpool.Pool, batch int, log *slog.Logger) *Feed {
	if batch <= 0 {
		batch = 1000
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	background, stop := context.WithCancel(context.Background())
	return &Feed{pool: pool, batch: batch, idlePoll: time.Second, log: log, background: background, stop: stop}
}

// Close stops the listener; subscriptions end with their contexts.
func (f *Feed) Close() {
	f.stop()
	f.wg.Wait()
}

// columns are kurrent_feed's columns as scanEvent reads them.
const columns = `commit_position, prepare_position, stream_id, stream_version, event_id::text, event_type,
       schema_version, payload, metadata, occurred_at`

const readSQL = `
SELECT ` + columns + `
FROM kurrent_feed
WHERE (commit_position, prepare_position) > ($1, $2)
ORDER BY commit_position, prepare_position
LIMIT $3`

// ReadAll implements eventstore.Feed.
func (f *Feed) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	rows, err := f.pool.Query(ctx, readSQL, int64(after.Commit), int64(after.Prepare), limit)
	if err != nil {
		return nil, fmt.Errorf("kurrentfeed: read after %s: %w", after, err)
	}
	events, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("kurrentfeed: read after %s: %w", after, err)
	}
	return events, nil
}

// scanEvent reads one row of columns.
func scanEvent(row pgx.CollectableRow) (eventstore.RecordedEvent, error) {
	var e eventstore.RecordedEvent
	var commit, prepare int64
	err := row.Scan(&commit, &prepare, &e.StreamID, &e.StreamVersion, &e.ID, &e.Type, &e.SchemaVersion, &e.Payload, &e.Metadata, &e.OccurredAt)
	e.Position = eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
	return e, err
}

// Subscribe implements eventstore.Feed: pages of the table after after,
// then new rows as the ingester commits them.
func (f *Feed) Subscribe(ctx context.Context, after eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent) error) error {
	f.listenOnce.Do(f.startListener)
	failWait := time.Duration(0)
	for {
		woken := f.arrived.Wait() // before the read, so no wake-up is lost
		events, err := f.ReadAll(ctx, after, f.batch)
		wait := f.idlePoll
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			failWait = min(max(2*failWait, 10*time.Millisecond), 5*time.Second)
			f.log.Warn("kurrent feed read failed; retrying", "after", after.String(), "retry_in", failWait, "error", err)
			wait, woken = failWait, nil
		case len(events) > 0:
			failWait = 0
			if err := handle(ctx, events); err != nil {
				return err
			}
			after = events[len(events)-1].Position
			if len(events) == f.batch {
				continue // more history waiting
			}
		}
		if err := pause.Until(ctx, woken, wait); err != nil {
			return err
		}
	}
}

// startListener wakes subscribers on the ingesters' NOTIFYs, from this
// process or others, reconnecting while the Feed is open.
func (f *Feed) startListener() {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for f.background.Err() == nil {
			if err := f.listen(); err != nil && f.background.Err() == nil {
				f.log.Warn("kurrent feed: LISTEN failed; polling until it is back", "error", err)
				_ = pause.For(f.background, time.Second)
			}
		}
	}()
}

func (f *Feed) listen() error {
	return wakeup.Listen(f.background, f.pool.Config().ConnConfig.Copy(), notifyChannel, &f.arrived, nil)
}
