package projectionfeed

import (
	"context"
	"fmt"
	"log/slog"
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
	// Retries of a failing batch before it counts as failed (default 5),
	// backing off from RetryInterval (default 100 ms).
	Retries       int
	RetryInterval time.Duration
}

// NewRouter sets up the projectors' tables and returns a Watermill router
// with one consumer handler per projector, each fed from its checkpoint by a
// Subscriber, wrapped (outermost first) in failure recording, retry with
// backoff, and panic recovery. Run it with Run; Close stops it.
func NewRouter(ctx context.Context, cfg RouterConfig) (*message.Router, error) {
	if cfg.Retries <= 0 {
		cfg.Retries = 5
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 100 * time.Millisecond
	}
	if err := projections.Setup(ctx, cfg.Pool, cfg.Projectors...); err != nil {
		return nil, err
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, watermill.NewSlogLogger(cfg.Logger))
	if err != nil {
		return nil, fmt.Errorf("projectionfeed: router: %w", err)
	}
	subscriber := NewSubscriber(cfg.Feed, checkpointOf(cfg.Pool, cfg.Status), cfg.Logger)
	subscriber.interest = map[string]func(string) bool{}
	for _, p := range cfg.Projectors {
		if i, ok := p.(projections.Interested); ok {
			subscriber.interest[p.Name()] = i.Handles
		}
	}
	retry := middleware.Retry{MaxRetries: cfg.Retries, InitialInterval: cfg.RetryInterval, Multiplier: 2,
		MaxInterval: 10 * cfg.RetryInterval, Logger: watermill.NewSlogLogger(cfg.Logger)}
	for _, p := range cfg.Projectors {
		h := router.AddConsumerHandler(p.Name(), p.Name(), subscriber, projections.Handler(cfg.Pool, p, cfg.Status))
		h.AddMiddleware(projections.RecordFailures(cfg.Pool, p.Name(), cfg.Status, cfg.Logger), retry.Middleware, middleware.Recoverer)
	}
	return router, nil
}

// checkpointOf reads a projector's checkpoint and reports it as its start.
func checkpointOf(pool *pgxpool.Pool, status *projections.Status) func(context.Context, string) (projections.Position, error) {
	return func(ctx context.Context, name string) (projections.Position, error) {
		c, err := projections.LoadCheckpoint(ctx, pool, name)
		if err != nil {
			return projections.Position{}, err
		}
		status.Start(name, c.Position)
		return c.Position, nil
	}
}
