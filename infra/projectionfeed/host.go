package projectionfeed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
)

// HostConfig configures a Host. RouterConfig.Projectors is ignored: the
// live projectors are those of ReadModels.
type HostConfig struct {
	RouterConfig
	ReadModels []projections.ReadModel
	// Poll is how often the host looks for requested rebuilds and retries
	// (default 1 s): any process may ask for them, so the tables are the
	// signal.
	Poll time.Duration
	// Streams reads a failed tenant's held events for a retry; nil: the
	// Feed, which must then read streams too.
	Streams eventstore.StreamReader
	// TablesReady says the live read models' tables are set up already
	// (projections.Setup), as the service's wiring does before it serves
	// reads; false: Run sets them up first.
	TablesReady bool
}

// Host runs the live projectors and performs the rebuilds asked for in
// projection_rebuilds. Exactly one process may run a Host on a database at
// a time (Lead's advisory lock sees to it): it alone writes the live
// tables, which is what lets it stop their projector for the swap.
type Host struct {
	cfg    HostConfig
	models map[string]projections.ReadModel // by live name
}

// NewHost returns a Host over cfg.
func NewHost(cfg HostConfig) *Host {
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if streams, ok := cfg.Feed.(eventstore.StreamReader); ok && cfg.Streams == nil {
		cfg.Streams = streams
	}
	models := map[string]projections.ReadModel{}
	for _, m := range cfg.ReadModels {
		models[m.Live.Name()] = m
	}
	return &Host{cfg: cfg, models: models}
}

// errLiveStopped ends Run when the live router stopped by itself.
var errLiveStopped = errors.New("projectionfeed: the live projectors stopped")

// Run keeps the live read models until ctx ends; it carries out the
// retries of failed tenants asked for (see retry.go), with the live
// projectors stopped, and rebuilds those read models whose rebuild is
// pending, the pending ones of a time together: built beside the live
// tables, then swapped in while the live projectors are stopped. A rebuild
// that fails is recorded as failed and the live ones go on; one cut short
// by ctx resumes at the next Run from the rebuilt checkpoint.
func (h *Host) Run(ctx context.Context) error {
	if !h.cfg.TablesReady {
		if err := projections.Setup(ctx, h.cfg.Pool, h.liveProjectors()...); err != nil {
			return err
		}
	}
	for {
		live, err := h.start(ctx, h.liveProjectors(), h.cfg.Status)
		if err != nil {
			return err
		}
		work, err := h.awaitPending(ctx, live)
		if err == nil && len(work.retries) > 0 {
			live.stop()
			h.retryAll(ctx, work.retries)
		}
		if err == nil && len(work.rebuilds) > 0 {
			err = h.rebuild(ctx, work.rebuilds, live.stop)
			if err != nil && ctx.Err() == nil {
				h.fail(ctx, work.rebuilds, err)
				err = nil
			}
		}
		live.stop()
		if err != nil {
			return err
		}
	}
}

func (h *Host) liveProjectors() []projections.Projector {
	out := make([]projections.Projector, len(h.cfg.ReadModels))
	for i, m := range h.cfg.ReadModels {
		out[i] = m.Live
	}
	return out
}

// running is a router started by Host.start.
type running struct {
	router *message.Router
	exited chan struct{} // closed when Run returned
	stop   func()        // closes the router and waits for Run; idempotent
}

// start runs a router over projectors until ctx ends or stop is called.
func (h *Host) start(ctx context.Context, projectors []projections.Projector, status *projections.Status) (*running, error) {
	cfg := h.cfg.RouterConfig
	cfg.Projectors, cfg.Status = projectors, status
	gate := &gate{}
	router, err := newRouter(ctx, cfg, gate)
	if err != nil {
		return nil, err
	}
	r := &running{router: router, exited: make(chan struct{})}
	go func() {
		defer close(r.exited)
		if err := router.Run(ctx); err != nil && ctx.Err() == nil {
			h.cfg.Logger.Error("projectors: router stopped", "error", err)
		}
	}()
	stopped := make(chan struct{})
	r.stop = func() {
		select {
		case <-stopped:
		default:
			close(stopped)
			gate.close()
			_ = router.Close()
		}
		<-r.exited
	}
	select {
	case <-router.Running():
	case <-r.exited:
	}
	return r, nil
}

// pendingWork is what the host was asked to do besides projecting.
type pendingWork struct {
	rebuilds []projections.Rebuild
	retries  []projections.TenantFailure
}

// awaitPending polls for pending rebuilds and retries; it returns them, or
// an error when ctx ends or the live router stopped by itself.
func (h *Host) awaitPending(ctx context.Context, live *running) (pendingWork, error) {
	ticker := time.NewTicker(h.cfg.Poll)
	defer ticker.Stop()
	for {
		work, err := h.pending(ctx)
		if err != nil && ctx.Err() == nil {
			h.cfg.Logger.Warn("projectors: cannot read the requested rebuilds and retries", "error", err)
		}
		if len(work.rebuilds) > 0 || len(work.retries) > 0 {
			return work, nil
		}
		select {
		case <-ctx.Done():
			return pendingWork{}, ctx.Err()
		case <-live.exited:
			if ctx.Err() != nil {
				return pendingWork{}, ctx.Err()
			}
			return pendingWork{}, errLiveStopped
		case <-ticker.C:
		}
	}
}

// pending returns the pending rebuilds of known read models (one of an
// unknown read model fails at once) and the retries asked for.
func (h *Host) pending(ctx context.Context) (pendingWork, error) {
	var work pendingWork
	rebuilds, err := projections.LoadRebuilds(ctx, h.cfg.Pool)
	if err != nil {
		return work, err
	}
	for _, r := range rebuilds {
		switch _, known := h.models[r.Name]; {
		case !r.Pending():
		case !known:
			err = errors.Join(err, projections.FailRebuild(ctx, h.cfg.Pool, r.Name, fmt.Errorf("no read model is named %s", r.Name)))
		default:
			work.rebuilds = append(work.rebuilds, r)
		}
	}
	retries, rerr := h.requestedRetries(ctx)
	work.retries = retries
	return work, errors.Join(err, rerr)
}

// fail records cause as the failure of every rebuild of the generation.
func (h *Host) fail(ctx context.Context, rebuilds []projections.Rebuild, cause error) {
	h.cfg.Logger.Error("projections: rebuild failed", "error", cause)
	for _, r := range rebuilds {
		if err := projections.FailRebuild(ctx, h.cfg.Pool, r.Name, cause); err != nil {
			h.cfg.Logger.Error("projections: cannot record the rebuild's failure", "projection", r.Name, "error", err)
		}
	}
}

// pair is a rebuild with its two projectors.
type pair struct {
	rebuild       projections.Rebuild
	live, rebuilt projections.Projector
}

// rebuild takes pending rebuilds to their end: build (or resume) the
// suffixed tables until they are near the head, stop the live projectors,
// bring both copies to the same position, compare them when asked, and swap
// them in one transaction.
func (h *Host) rebuild(ctx context.Context, pending []projections.Rebuild, stopLive func()) error {
	pairs, err := h.prepare(ctx, pending)
	if err != nil {
		return err
	}
	if err := h.catchUp(ctx, pairs); err != nil {
		return err
	}
	stopLive()
	if err := h.align(ctx, pairs); err != nil {
		return err
	}
	if err := h.compare(ctx, pairs); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, h.cfg.Pool, func(tx pgx.Tx) error {
		for _, p := range pairs {
			if err := projections.SwapTables(ctx, tx, p.rebuild, p.live, p.rebuilt); err != nil {
				return err
			}
		}
		return nil
	})
}

// prepare starts each requested rebuild afresh (a resumed one keeps its tables).
func (h *Host) prepare(ctx context.Context, pending []projections.Rebuild) ([]pair, error) {
	pairs := make([]pair, len(pending))
	for i, r := range pending {
		m := h.models[r.Name]
		pairs[i] = pair{rebuild: r, live: m.Live, rebuilt: m.Suffixed(r.Suffix)}
		err := pgx.BeginFunc(ctx, h.cfg.Pool, func(tx pgx.Tx) error {
			return projections.StartRebuild(ctx, tx, r, pairs[i].rebuilt)
		})
		if err != nil {
			return nil, err
		}
		h.cfg.Logger.Info("projections: rebuilding", "projection", r.Name, "into", pairs[i].rebuilt.Name())
	}
	return pairs, nil
}
