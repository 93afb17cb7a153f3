package kurrentfeed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/pgstore"
)

// StreamEnds says where a stream of the copied event store ends now
// (kurrentdb.Store.StreamEnd): its last event's position in the feed, or
// false for an absent stream.
type StreamEnds interface {
	StreamEnd(ctx context.Context, stream string) (eventstore.Position, bool, error)
}

// DefaultMaxWait bounds how long a History read waits for the copy to
// catch up, as the read API bounds its wait for min_position.
const DefaultMaxWait = 5 * time.Second

// catchUpPoll is how often a waiting read re-reads the stored position
// should a wake-up be lost (another process's NOTIFY while the listener
// reconnects); wake-ups answer sooner.
const catchUpPoll = 100 * time.Millisecond

// History reads one user's history from kurrent_feed, where migration
// 00008 indexes it as 00006 does the events table: KurrentDB could only
// give it by reading the tenant's whole stream. The copy may lag KurrentDB,
// so each read first waits until the ingesters have copied the stream up
// to the last event it holds when the read begins: the answer is the one
// the event store itself would give.
type History struct {
	feed    *Feed
	ends    StreamEnds
	maxWait time.Duration
}

// NewHistory reads through feed's table once the copy has reached ends'
// answer, waiting at most maxWait (0: DefaultMaxWait) or ctx's deadline.
// An ingester must be running, in this process or another.
func NewHistory(feed *Feed, ends StreamEnds, maxWait time.Duration) *History {
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	return &History{feed: feed, ends: ends, maxWait: maxWait}
}

var userHistorySQL = pgstore.UserHistorySQL("kurrent_feed", columns)

// ReadUserHistory is pgstore.Store.ReadUserHistory's answer over the
// KurrentDB store: the events of stream that occurred at or before until
// and either name user or shape every user, in stream order. It fails
// rather than answer from a copy that has not reached the stream's end in
// time (the ingester stopped or far behind).
func (h *History) ReadUserHistory(ctx context.Context, stream, user string, until time.Time) ([]eventstore.RecordedEvent, error) {
	events, err := h.read(ctx, stream, user, until)
	if err != nil {
		return nil, fmt.Errorf("kurrentfeed: read history of %s in %s: %w", user, stream, err)
	}
	return events, nil
}

func (h *History) read(ctx context.Context, stream, user string, until time.Time) ([]eventstore.RecordedEvent, error) {
	end, found, err := h.ends.StreamEnd(ctx, stream)
	if err != nil || !found {
		return nil, err // a stream KurrentDB does not hold has no history
	}
	if err := h.feed.awaitPosition(ctx, end, h.maxWait); err != nil {
		return nil, err
	}
	rows, _ := h.feed.pool.Query(ctx, userHistorySQL, stream, user, until) // its error comes back from CollectRows
	return pgx.CollectRows(rows, scanEvent)
}

// awaitPosition waits, at most limit, until the ingesters' committed
// position (kurrent_feed_position, moved by this process or another) has
// reached at: every event of the feed up to at is then in the table. It is
// woken by this process's ingester after each batch and by the others'
// NOTIFYs, and re-reads the position every catchUpPoll besides.
func (f *Feed) awaitPosition(ctx context.Context, at eventstore.Position, limit time.Duration) error {
	f.listenOnce.Do(f.startListener)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		woken := f.arrived.Wait() // before the read, so no wake-up is lost
		stored, err := storedPosition(ctx, f.pool)
		switch {
		case err == nil && stored.Compare(at) >= 0:
			return nil
		case err == nil:
			err = pause.Until(ctx, woken, catchUpPoll)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: it has not reached %s, the stream's end in KurrentDB (waited at most %s; is an ingester running?): %w", eventstore.ErrFeedBehind, at, limit, ctx.Err())
		}
		if err != nil {
			return err
		}
	}
}
