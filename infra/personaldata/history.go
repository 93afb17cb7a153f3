package personaldata

import (
	"context"
	"errors"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
)

// userHistoryReader is what an inner store offers when it can find one
// user's events by index: the PostgreSQL store, or the KurrentDB store
// wired with the feed's copy (kurrentfeed.History).
type userHistoryReader interface {
	ReadUserHistory(ctx context.Context, stream, user string, until time.Time) ([]eventstore.RecordedEvent, error)
}

// ErrNoUserHistory is returned by ReadUserHistory over an event store that
// cannot find one user's events without reading the whole stream.
var ErrNoUserHistory = errors.New("personaldata: this event store has no index of events by user (point-in-time reads need one)")

// ReadUserHistory is the inner store's ReadUserHistory with personal data
// opened: a deleted person's reads as erased, at every instant, since their
// key is gone.
func (s *Store) ReadUserHistory(ctx context.Context, stream, user string, until time.Time) ([]eventstore.RecordedEvent, error) {
	inner, ok := s.inner.(userHistoryReader)
	if !ok {
		return nil, ErrNoUserHistory
	}
	events, err := inner.ReadUserHistory(ctx, stream, user, until)
	if err != nil {
		return nil, err
	}
	if err := s.unseal(ctx, events); err != nil {
		return nil, err
	}
	return events, nil
}
