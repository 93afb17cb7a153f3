package projections

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Handler is the router handler of projector p: it applies each message's
// batch with p's checkpoint, leaving out the events of the tenants p holds
// back (quarantine), and reports progress to status (may be nil). Errors
// go back to the router, whose middleware retries them; one that survives
// the retries is isolated by IsolateFailures.
func Handler(pool *pgxpool.Pool, p Projector, status *Status, quarantine *Quarantine) message.NoPublishHandlerFunc {
	stats := &statistics{next: firstAnalyze}
	return func(msg *message.Message) error {
		events, err := EventsOf(msg)
		if err != nil {
			return err
		}
		if err := quarantine.load(msg.Context()); err != nil {
			return err
		}
		if err := ApplyHolding(msg.Context(), pool, p, events, quarantine.held()); err != nil {
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
//
// The ANALYZE runs beside the projector, never in its way: run before the
// batch was acknowledged, it held every later event back for as long as it
// took (50–100 ms for the audit trail in the lag bench, which made the lag's
// p99). ANALYZE and the batches' writes take locks that do not conflict.
// One refresh runs at a time; one due meanwhile waits for the next batch.
type statistics struct {
	applied, next int64 // touched by the handler only, one batch at a time
	refreshing    atomic.Bool
}

// keepUp counts n more applied events and, when the tables' statistics are
// due, refreshes them in the background, until ctx (the subscription's)
// ends.
func (s *statistics) keepUp(ctx context.Context, pool *pgxpool.Pool, p Projector, n int) {
	s.applied += int64(n)
	if s.applied < s.next || !s.refreshing.CompareAndSwap(false, true) {
		return
	}
	s.next = 2 * s.applied
	go func() {
		defer s.refreshing.Store(false)
		for _, table := range p.Tables() {
			// Failing to analyse only costs speed, never correctness.
			_, _ = pool.Exec(ctx, "ANALYZE "+pgx.Identifier{table}.Sanitize())
		}
	}()
}

// IsolateFailures is handler middleware, outermost: it keeps an event that
// p cannot apply inside its tenant. A failed batch of several events is
// nacked, and the subscriber delivers it again event by event to find the
// one that fails. A single event whose error survived every retry is
// recorded as its tenant's failure (RecordTenantFailure: p moves past it
// and holds back that tenant's later events) and acked, so that p goes on
// with every other tenant. Only when even that cannot be recorded does p
// stop, failed as a whole, never skipping the event.
func IsolateFailures(pool *pgxpool.Pool, name string, quarantine *Quarantine, status *Status, log *slog.Logger) message.HandlerMiddleware {
	return func(next message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := next(msg)
			if err == nil || msg.Context().Err() != nil {
				return out, err
			}
			from, to := msg.Metadata.Get("from_position"), msg.Metadata.Get("to_position")
			events, _ := EventsOf(msg)
			if from != to || len(events) != 1 || errors.Is(err, ErrAlreadyApplied) {
				log.Warn("projection batch failed; retrying it event by event", "projection", name, "from", from, "to", to, "error", err)
				return out, err
			}
			if rerr := isolate(msg.Context(), pool, name, quarantine, status, events[0], err); rerr != nil {
				log.Error("projection stopped: an event it cannot apply could not be set aside for its tenant",
					"projection", name, "position", to, "error", err, "record_error", rerr)
				if ferr := RecordFailure(context.WithoutCancel(msg.Context()), pool, name, err); ferr != nil {
					log.Error("could not record the projection failure", "projection", name, "error", ferr)
				}
				status.failed(name, err) // after the record: whoever sees the failure can read it back
				return out, err
			}
			logIsolated(log, name, events[0], err)
			return out, nil
		}
	}
}

// logIsolated says, once and loudly, that a tenant's read model stopped.
func logIsolated(log *slog.Logger, name string, e Event, cause error) {
	log.Error("PROJECTION FAILED FOR ONE TENANT: its read model answers 503 projection_failed until the cause is "+
		"fixed and `roster projections retry` re-applies its events; every other tenant goes on",
		"projection", name, "tenant", e.Tenant, "position", e.Position.String(), "event_type", e.Type,
		"event_id", e.ID, "error", cause)
}

// ApplyIsolated applies events to p as the live handler and its
// IsolateFailures middleware do together, for callers outside the router
// (a rebuild bringing projectors to one position): the events of p's failed
// tenants are held back, and an event p cannot apply is narrowed down and
// set aside for its tenant. Errors for which retryable is true (a database
// that cannot be reached) are returned as they are, for the caller to retry.
func ApplyIsolated(ctx context.Context, pool *pgxpool.Pool, p Projector, events []Event, retryable func(error) bool, log *slog.Logger) error {
	quarantine := NewQuarantine(pool, p.Name())
	if err := quarantine.load(ctx); err != nil {
		return err
	}
	err := ApplyHolding(ctx, pool, p, events, quarantine.held())
	if err == nil || len(events) == 1 && !isolatable(ctx, err, retryable) {
		return err
	}
	for _, e := range events {
		err := ApplyHolding(ctx, pool, p, []Event{e}, quarantine.held())
		if err == nil {
			continue
		}
		if !isolatable(ctx, err, retryable) {
			return err
		}
		if rerr := isolate(ctx, pool, p.Name(), quarantine, nil, e, err); rerr != nil {
			return rerr
		}
		logIsolated(log, p.Name(), e, err)
	}
	return nil
}

// isolatable reports whether err, applying one event, is the event's own:
// neither the database's unreachability, nor the end of ctx, nor a replay.
func isolatable(ctx context.Context, err error, retryable func(error) bool) bool {
	return ctx.Err() == nil && !retryable(err) && !errors.Is(err, ErrAlreadyApplied)
}

// isolate records e as its tenant's failure of the named projector and
// holds the tenant's later events back.
func isolate(ctx context.Context, pool *pgxpool.Pool, name string, quarantine *Quarantine, status *Status, e Event, cause error) error {
	if err := RecordTenantFailure(context.WithoutCancel(ctx), pool, name, e, cause); err != nil {
		return err
	}
	quarantine.add(e.Tenant)
	status.isolated(name, e.Position)
	return nil
}
