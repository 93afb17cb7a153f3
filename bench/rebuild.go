package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

// runRebuild times a blue/green rebuild of all read models over the
// catch-up bench's 1,000,000 events — through the real path: requests in
// projection_rebuilds, the projectors' host building suffixed tables while
// the live ones serve, aligning and swapping — against COPYing the rows it
// ends with into tables of the same shape.
func runRebuild(ctx context.Context, e *env) ([]result, error) {
	s, err := openMillion(ctx, e)
	if err != nil {
		return nil, err
	}
	defer s.close()
	stop, err := startHost(ctx, s)
	if err != nil {
		return nil, err
	}
	defer stop()
	if err := awaitLive(ctx, s); err != nil { // the live models first: a rebuild replaces existing ones
		return nil, err
	}
	took, err := timeRebuild(ctx, s)
	if err != nil {
		return nil, err
	}
	copyTime, rows, err := copyResult(ctx, s)
	if err != nil {
		return nil, err
	}
	fmt.Printf("rebuild of %d events into %d read models: %s (%.0f events/s); COPY of the %d resulting rows: %s\n",
		2*catchUpUsers+2, len(names()), took.Round(time.Millisecond), float64(2*catchUpUsers+2)/took.Seconds(), rows, copyTime.Round(time.Millisecond))
	return []result{{name: fmt.Sprintf("rebuild (blue/green, swapped) of %d events vs COPY of the resulting rows", 2*catchUpUsers+2), unit: "ms",
		baseline: float64(copyTime.Milliseconds()), subject: float64(took.Milliseconds()), target: "≤ 1.3×"}}, nil
}

// startHost runs the projectors' host (live projectors and rebuilds) over s.
func startHost(ctx context.Context, s *side) (func(), error) {
	host := projectionfeed.NewHost(projectionfeed.HostConfig{RouterConfig: projectionfeed.RouterConfig{Pool: s.pool, Feed: s.store,
		Status: projections.NewStatus(), Logger: slog.New(slog.DiscardHandler)}, ReadModels: catalog.All(), Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = host.Run(ctx) }()
	return func() { cancel(); <-done }, nil
}

// awaitLive waits until every live read model has applied the head.
func awaitLive(ctx context.Context, s *side) error {
	head, err := projectionfeed.Head(ctx, s.pool)
	if err != nil {
		return err
	}
	for {
		behind := false
		for _, name := range names() {
			c, err := projections.LoadCheckpoint(ctx, s.pool, name)
			if err != nil || c.Position.Compare(head) < 0 {
				behind = true
			}
		}
		if !behind {
			return nil
		}
		if err := pause.For(ctx, 100*time.Millisecond); err != nil { // polling the host's committed progress
			return err
		}
	}
}

// timeRebuild requests a rebuild of every read model and times it to the swap.
func timeRebuild(ctx context.Context, s *side) (time.Duration, error) {
	started := time.Now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { // one generation: all five in one go
		for _, name := range names() {
			if _, err := projections.RequestRebuild(ctx, tx, name, projections.RebuildOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for {
		rebuilds, err := projections.LoadRebuilds(ctx, s.pool)
		if err != nil {
			return 0, err
		}
		pending := false
		for _, r := range rebuilds {
			if r.State == projections.RebuildFailed {
				return 0, fmt.Errorf("rebuild of %s failed: %s", r.Name, r.Error)
			}
			pending = pending || r.Pending()
		}
		if !pending {
			return time.Since(started), nil
		}
		if err := pause.For(ctx, 20*time.Millisecond); err != nil { // polling the host's committed progress
			return 0, err
		}
	}
}
