package projections

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Handler is the router handler of projector p: it applies each message's
// batch with p's checkpoint, and reports progress to status (may be nil).
// Errors go back to the router, whose middleware retries them; one that
// survives the retries is recorded as the projector's failure, and the
// subscriber then narrows the batch down to the failing event and stops there.
func Handler(pool *pgxpool.Pool, p Projector, status *Status) message.NoPublishHandlerFunc {
	stats := &statistics{next: firstAnalyze}
	return func(msg *message.Message) error {
		events, err := EventsOf(msg)
		if err != nil {
			return err
		}
		if err := Apply(msg.Context(), pool, p, events); err != nil {
			return err
		}
		status.applied(p.Name(), events[len(events)-1].Position, len(events))
		stats.keepUp(msg.Context(), pool, p, len(events))
		return nil
	}
}

// firstAnalyze is how many events a projector applies before its tables'
// statistics are first refreshed.
const firstAnalyze = 1000

// statistics keeps a projector's table statistics up with its growth. The
// statements of a batch are prepared and their plans cached while the tables
// are new and nearly empty, where a sequential scan is cheapest; without
// fresh statistics those plans outlive the tables' growth and every update
// becomes O(rows) (measured: 20 ms → 700 ms per 1,000-event batch over
// 12,000 rows). ANALYZE refreshes the statistics and, in doing so,
// invalidates the cached plans. Analysing each time the applied events
// double costs O(log n) analyses over a catch-up; autovacuum takes over for
// the slow growth of live traffic.
type statistics struct {
	applied, next int64
}

func (s *statistics) keepUp(ctx context.Context, pool *pgxpool.Pool, p Projector, n int) {
	s.applied += int64(n)
	if s.applied < s.next {
		return
	}
	s.next = 2 * s.applied
	for _, table := range p.Tables() {
		// Failing to analyse only costs speed, never correctness.
		_, _ = pool.Exec(ctx, "ANALYZE "+pgx.Identifier{table}.Sanitize())
	}
}

// RecordFailures is handler middleware, outermost: a single event whose
// error survived every retry is the projector's failure — stored (for
// /v1/projections and the metrics) and reported to status before the router
// nacks it. A failed batch of several events is not yet a failure: the
// subscriber delivers it again event by event to find the one that fails.
func RecordFailures(pool *pgxpool.Pool, name string, status *Status, log *slog.Logger) message.HandlerMiddleware {
	return func(next message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := next(msg)
			if err == nil {
				return out, nil
			}
			from, to := msg.Metadata.Get("from_position"), msg.Metadata.Get("to_position")
			if from != to {
				log.Warn("projection batch failed; retrying it event by event", "projection", name, "from", from, "to", to, "error", err)
				return out, err
			}
			log.Error("projection stopped on an event it cannot apply", "projection", name, "position", to, "error", err)
			if rerr := RecordFailure(context.WithoutCancel(msg.Context()), pool, name, err); rerr != nil {
				log.Error("could not record the projection failure", "projection", name, "error", rerr)
			}
			status.failed(name, err) // after the record: whoever sees the failure can read it back
			return out, err
		}
	}
}
