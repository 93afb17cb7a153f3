package projectionfeed_test

import (
	"context"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
)

func newRouter(w *projectiontest.World, status *projections.Status) (*message.Router, error) {
	return projectionfeed.NewRouter(context.Background(), projectionfeed.RouterConfig{Pool: w.Pool, Feed: w.Store,
		Projectors: []projections.Projector{poisoned{}}, Status: status, Logger: slog.New(slog.DiscardHandler),
		Retries: 2, RetryInterval: time.Millisecond})
}
