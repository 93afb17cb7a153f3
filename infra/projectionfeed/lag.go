package projectionfeed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/readapi"
)

var (
	_ readapi.ProjectionStates = (*Lag)(nil)
	_ readapi.Rebuilds         = (*Lag)(nil)
)

// liveLag is how far behind a projection may be and still count as live.
const (
	liveLagEvents  = 100
	liveLagSeconds = 5
)

// Lag measures each projector's distance from the head of the event store,
// and the progress of their rebuilds.
type Lag struct {
	Pool       *pgxpool.Pool
	Projectors []projections.Projector
	Clock      func() time.Time
	// KurrentFeed counts the events of the ingester's kurrent_feed table
	// (events in KurrentDB) instead of the events table.
	KurrentFeed bool
}

// ProjectionStates reads every projector's checkpoint and counts the events
// after it (and how old the oldest of them is); a projector being rebuilt
// shows as rebuilding, with the rebuild's progress.
func (l *Lag) ProjectionStates(ctx context.Context) ([]readapi.ProjectionState, error) {
	rebuilds, err := projections.LoadRebuilds(ctx, l.Pool)
	if err != nil {
		return nil, err
	}
	states := make([]readapi.ProjectionState, 0, len(l.Projectors))
	for _, p := range l.Projectors {
		s, err := l.stateOf(ctx, p.Name(), rebuilds)
		if err != nil {
			return nil, err
		}
		states = append(states, s)
	}
	return states, nil
}

func (l *Lag) stateOf(ctx context.Context, name string, rebuilds []projections.Rebuild) (readapi.ProjectionState, error) {
	c, err := projections.LoadCheckpoint(ctx, l.Pool, name)
	if err != nil {
		return readapi.ProjectionState{}, err
	}
	s := readapi.ProjectionState{Name: name, Position: c.Position.String(), Error: c.Error}
	var oldest *time.Time
	if s.LagEvents, oldest, err = l.behind(ctx, c.Position); err != nil {
		return readapi.ProjectionState{}, err
	}
	if oldest != nil {
		s.LagSeconds = max(0, l.Clock().Sub(*oldest).Seconds())
	}
	s.State = stateOf(s)
	i := slices.IndexFunc(rebuilds, func(r projections.Rebuild) bool { return r.Name == name })
	if i < 0 {
		return s, nil
	}
	if s.Rebuild, err = l.progress(ctx, rebuilds[i]); err != nil {
		return readapi.ProjectionState{}, err
	}
	if rebuilds[i].Pending() && s.State != "failed" {
		s.State = "rebuilding"
	}
	return s, nil
}

// behind counts the events after position at, and finds the oldest's time.
func (l *Lag) behind(ctx context.Context, at projections.Position) (int64, *time.Time, error) {
	var n int64
	var oldest *time.Time
	query := `SELECT count(*), min(occurred_at) FROM events
WHERE (transaction_id, position) > ($1::xid8, $2::bigint)`
	if l.KurrentFeed {
		query = `SELECT count(*), min(occurred_at) FROM kurrent_feed
WHERE (commit_position, prepare_position) > ($1::bigint, $2::bigint)`
	}
	err := l.Pool.QueryRow(ctx, query, at.Commit, int64(at.Prepare)).Scan(&n, &oldest)
	return n, oldest, err
}

// progress is a rebuild as the API shows it: a pending one counts the
// events its rebuilt projector has left.
func (l *Lag) progress(ctx context.Context, r projections.Rebuild) (*readapi.RebuildProgress, error) {
	p := &readapi.RebuildProgress{State: r.State, EventsDone: r.EventsDone, EventsTotal: r.EventsDone, Verify: r.Verify, Swap: r.Swap,
		RequestedAt: r.RequestedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Differences: r.Differences, Error: r.Error}
	if !r.Pending() {
		return p, nil
	}
	at := projections.Position{}
	if r.State != projections.RebuildRequested {
		c, err := projections.LoadCheckpoint(ctx, l.Pool, r.Name+r.Suffix)
		if err == nil { // absent until the rebuild's tables are set up
			at = c.Position
		}
	}
	left, _, err := l.behind(ctx, at)
	if err != nil {
		return nil, err
	}
	p.EventsTotal = p.EventsDone + left
	return p, nil
}

// RequestRebuild asks for a rebuild of the named projector (the process
// running the projectors picks it up) and returns the projector's state.
func (l *Lag) RequestRebuild(ctx context.Context, name string) (readapi.ProjectionState, error) {
	if !slices.ContainsFunc(l.Projectors, func(p projections.Projector) bool { return p.Name() == name }) {
		return readapi.ProjectionState{}, fmt.Errorf("%w: %s", readapi.ErrUnknownProjection, name)
	}
	if _, err := projections.RequestRebuild(ctx, l.Pool, name, projections.RebuildOptions{}); err != nil {
		return readapi.ProjectionState{}, err
	}
	rebuilds, err := projections.LoadRebuilds(ctx, l.Pool)
	if err != nil {
		return readapi.ProjectionState{}, err
	}
	return l.stateOf(ctx, name, rebuilds)
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
