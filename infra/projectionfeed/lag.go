package projectionfeed

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/readapi"
)

var _ readapi.ProjectionStates = (*Lag)(nil)

// liveLag is how far behind a projection may be and still count as live.
const (
	liveLagEvents  = 100
	liveLagSeconds = 5
)

// Lag measures each projector's distance from the head of the event store.
type Lag struct {
	Pool       *pgxpool.Pool
	Projectors []projections.Projector
	Clock      func() time.Time
}

// ProjectionStates reads every projector's checkpoint and counts the events
// after it (and how old the oldest of them is).
func (l *Lag) ProjectionStates(ctx context.Context) ([]readapi.ProjectionState, error) {
	states := make([]readapi.ProjectionState, 0, len(l.Projectors))
	for _, p := range l.Projectors {
		c, err := projections.LoadCheckpoint(ctx, l.Pool, p.Name())
		if err != nil {
			return nil, err
		}
		s := readapi.ProjectionState{Name: p.Name(), Position: c.Position.String(), Error: c.Error}
		var oldest *time.Time
		err = l.Pool.QueryRow(ctx, `SELECT count(*), min(occurred_at) FROM events
WHERE (transaction_id, position) > ($1::xid8, $2::bigint)`, c.Position.Commit, int64(c.Position.Prepare)).Scan(&s.LagEvents, &oldest)
		if err != nil {
			return nil, err
		}
		if oldest != nil {
			s.LagSeconds = max(0, l.Clock().Sub(*oldest).Seconds())
		}
		s.State = stateOf(s)
		states = append(states, s)
	}
	return states, nil
}

func stateOf(s readapi.ProjectionState) string {
	switch {
	case s.Error != "":
		return "failed"
	case s.LagEvents <= liveLagEvents && s.LagSeconds <= liveLagSeconds:
		return "live"
	}
	return "catching_up"
}
