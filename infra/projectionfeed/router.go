package projectionfeed

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
)

// RouterConfig says what to project, from where, into which database.
type RouterConfig struct {
	Pool       *pgxpool.Pool
	Feed       eventstore.Feed
	Projectors []projections.Projector
	Status     *projections.Status
	Logger     *slog.Logger
	// Retries of a batch failing on its content before it counts as failed
	// (default 2), backing off from RetryInterval (default 100 ms). A
	// database that cannot be reached is retried without end instead,
	// backing off to 5 s: an outage is waited out, never recorded as a
	// failure.
	Retries       int
	RetryInterval time.Duration
}

// NewRouter sets up the projectors' tables and returns a Watermill router
// with one consumer handler per projector, each fed from its checkpoint by a
// Subscriber, wrapped (outermost first) in failure isolation (a failure
// stays inside its tenant), retry of an unreachable database without end,
// retry of other errors, and panic recovery. Run it with Run; Close stops it.
func NewRouter(ctx context.Context, cfg RouterConfig) (*message.Router, error) {
	return newRouter(ctx, cfg, nil)
}

// newRouter is NewRouter with every handler behind gate (when not nil).
func newRouter(ctx context.Context, cfg RouterConfig, gate *gate) (*message.Router, error) {
	if cfg.Retries <= 0 {
		cfg.Retries = 2
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 100 * time.Millisecond
	}
	if gate == nil { // a Host sets its tables up once, not at each restart of its router
		if err := projections.Setup(ctx, cfg.Pool, cfg.Projectors...); err != nil {
			return nil, err
		}
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, watermill.NewSlogLogger(cfg.Logger))
	if err != nil {
		return nil, fmt.Errorf("projectionfeed: router: %w", err)
	}
	subscriber := NewSubscriber(cfg.Feed, checkpointOf(cfg.Pool, cfg.Status), cfg.Logger)
	subscriber.interest, subscriber.status = map[string]func(string) bool{}, cfg.Status
	for _, p := range cfg.Projectors {
		if i, ok := p.(projections.Interested); ok {
			subscriber.interest[p.Name()] = i.Handles
		}
	}
	outage, content := retries(cfg)
	for _, p := range cfg.Projectors {
		quarantine := projections.NewQuarantine(cfg.Pool, p.Name())
		h := router.AddConsumerHandler(p.Name(), p.Name(), subscriber, projections.Handler(cfg.Pool, p, cfg.Status, quarantine))
		if gate != nil {
			h.AddMiddleware(gate.middleware)
		}
		h.AddMiddleware(projections.IsolateFailures(cfg.Pool, p.Name(), quarantine, cfg.Status, cfg.Logger),
			outage.Middleware, content.Middleware, middleware.Recoverer)
	}
	return router, nil
}

// retries are the two retry middlewares: outage retries, without end, the
// errors of a database that cannot be reached (and only those); content
// retries the others cfg.Retries times, then lets them through to be
// isolated.
func retries(cfg RouterConfig) (outage, content middleware.Retry) {
	log := watermill.NewSlogLogger(cfg.Logger)
	// An outage is expected to pass: it is logged as a warning, with the
	// error that says why, rather than as Watermill's errors.
	outage = middleware.Retry{MaxRetries: math.MaxInt32, InitialInterval: cfg.RetryInterval, Multiplier: 2,
		MaxInterval: outageMaxInterval,
		ShouldRetry: func(p middleware.RetryParams) bool {
			if !unreachable(p.Err) {
				return false
			}
			cfg.Logger.Warn("projectors: the database cannot be reached; waiting for it", "retry", p.RetryNum, "in", p.Delay, "error", p.Err)
			return true
		}}
	content = middleware.Retry{MaxRetries: cfg.Retries, InitialInterval: cfg.RetryInterval, Multiplier: 2,
		MaxInterval: 10 * cfg.RetryInterval, Logger: log,
		ShouldRetry: func(p middleware.RetryParams) bool { return !unreachable(p.Err) }}
	return outage, content
}

// outageMaxInterval bounds the wait between retries while the database
// cannot be reached, so projection resumes within seconds of its return.
const outageMaxInterval = 5 * time.Second

// checkpointOf reads a projector's checkpoint and reports it as its start.
func checkpointOf(pool *pgxpool.Pool, status *projections.Status) func(context.Context, string) (eventstore.Position, error) {
	return func(ctx context.Context, name string) (eventstore.Position, error) {
		c, err := projections.LoadCheckpoint(ctx, pool, name)
		if err != nil {
			return eventstore.Position{}, err
		}
		status.Start(name, c.Position)
		return c.Position, nil
	}
}

// gate lets a router's handlers apply batches until it is shut; shut
// returns once none is applying, and none applies afterwards. Watermill's
// Router.Close can return while a handler it let in is still running (its
// wait for running handlers may pass before the last message is taken), and
// that handler's commit may still land: a rebuild that moves checkpoints
// itself once the router is stopped must not race with it.
type gate struct {
	mu   sync.RWMutex
	shut bool
}

// middleware runs the handler unless the gate is shut; then it waits for
// the message's subscription to end (the router is closing it) and nacks.
func (g *gate) middleware(next message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		g.mu.RLock()
		if !g.shut {
			defer g.mu.RUnlock()
			return next(msg)
		}
		g.mu.RUnlock()
		<-msg.Context().Done()
		return nil, msg.Context().Err()
	}
}

// close shuts the gate, waiting for the handlers inside.
func (g *gate) close() {
	g.mu.Lock()
	g.shut = true
	g.mu.Unlock()
}
