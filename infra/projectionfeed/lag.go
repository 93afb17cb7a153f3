package projectionfeed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
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
	// Running reports whether a process runs the projectors (nil: assume
	// one does); when none does, every projection shows as stopped.
	Running func(context.Context) (bool, error)
}

// ProjectionStates reads every projector's checkpoint and counts the events
// after it (and how old the oldest of them is); a projector being rebuilt
// shows as rebuilding, with the rebuild's progress.
func (l *Lag) ProjectionStates(ctx context.Context) ([]readapi.ProjectionState, error) {
	rebuilds, err := projections.LoadRebuilds(ctx, l.Pool)
	if err != nil {
		return nil, err
	}
	running := true
	if l.Running != nil {
		if running, err = l.Running(ctx); err != nil {
			return nil, err
		}
	}
	states := make([]readapi.ProjectionState, 0, len(l.Projectors))
	for _, p := range l.Projectors {
		s, err := l.stateOf(ctx, p.Name(), rebuilds)
		if err != nil {
			return nil, err
		}
		if !running && s.State != "failed" {
			s.State = "stopped"
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
	s := readapi.ProjectionState{Name: name, Position: c.Position.String(), Error: c.Error, FailedTenants: []readapi.FailedTenant{}}
	failures, err := projections.LoadFailures(ctx, l.Pool, name)
	if err != nil {
		return readapi.ProjectionState{}, err
	}
	for _, f := range failures {
		s.FailedTenants = append(s.FailedTenants, readapi.FailedTenantOf(f))
	}
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
func (l *Lag) behind(ctx context.Context, at eventstore.Position) (int64, *time.Time, error) {
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
	at := eventstore.Position{}
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
	name, err := l.projectorNamed(name)
	if err != nil {
		return readapi.ProjectionState{}, err
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

// projectorNamed resolves a read model's name, with or without its table
// version ("users" or "users_v2").
func (l *Lag) projectorNamed(name string) (string, error) {
	for _, p := range l.Projectors {
		if p.Name() == name || strings.TrimSuffix(strings.TrimRight(p.Name(), "0123456789"), "_v") == name {
			return p.Name(), nil
		}
	}
	return "", fmt.Errorf("%w: %s", readapi.ErrUnknownProjection, name)
}

// retryPoll is how often a retry's outcome is looked for.
const retryPoll = 50 * time.Millisecond

// Retry asks for a retry of the named projector for tenant (the process
// running the projectors carries it out) and waits until ctx ends for its
// outcome: live, failed again, or still retrying.
func (l *Lag) Retry(ctx context.Context, name string, tenant domain.TenantID) (readapi.RetryOutcome, error) {
	name, err := l.projectorNamed(name)
	if err != nil {
		return readapi.RetryOutcome{}, err
	}
	f, err := projections.RequestRetry(ctx, l.Pool, name, tenant)
	if err != nil {
		return readapi.RetryOutcome{}, err
	}
	ticker := time.NewTicker(retryPoll)
	defer ticker.Stop()
	for {
		outcome := readapi.RetryOutcome{Name: name, Tenant: tenant, State: readapi.RetryRetrying}
		failed := readapi.FailedTenantOf(f)
		outcome.Failure = &failed
		select {
		case <-ctx.Done():
			return outcome, nil
		case <-ticker.C:
		}
		f, err = projections.LoadFailure(ctx, l.Pool, name, tenant)
		switch {
		case errors.Is(err, projections.ErrNoFailure):
			return readapi.RetryOutcome{Name: name, Tenant: tenant, State: readapi.RetryLive}, nil
		case ctx.Err() != nil:
			return outcome, nil
		case err != nil:
			return readapi.RetryOutcome{}, err
		case f.RetryRequested == nil:
			failed = readapi.FailedTenantOf(f)
			return readapi.RetryOutcome{Name: name, Tenant: tenant, State: readapi.RetryFailed, Failure: &failed}, nil
		}
	}
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
