package personaldata

import (
	"context"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
)

// ReadUserHistory is the inner store's ReadUserHistory with personal data
// opened: a deleted person's reads as erased, at every instant, since their
// key is gone.
func (s *Store) ReadUserHistory(ctx context.Context, stream, user string, until time.Time) ([]eventstore.RecordedEvent, error) {
	events, err := s.inner.ReadUserHistory(ctx, stream, user, until)
	if err != nil {
		return nil, err
	}
	if err := s.unseal(ctx, events); err != nil {
		return nil, err
	}
	return events, nil
}
