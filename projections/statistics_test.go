package projections_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/projections"
)

// A projector refreshes its tables' statistics as they grow (ANALYZE each
// time its applied events double), and the refresh must not hold its next
// batch back. Run inline, before the batch was acknowledged, an ANALYZE of
// the audit trail held every later event of the lag bench for 50–100 ms,
// three times in a 10 s run: those stalls were the lag's p99.
func TestAProjectorAppliesItsNextBatchWhileItsStatisticsRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	p := rowPerEvent{}
	if err := projections.Setup(ctx, pool, p); err != nil {
		t.Fatal(err)
	}
	handle := projections.Handler(pool, p, nil, projections.NewQuarantine(pool, p.Name()))

	// A session holding SHARE UPDATE EXCLUSIVE on the table makes any
	// ANALYZE of it wait, and lets rows be written.
	blocker, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	if _, err := blocker.Exec(ctx, "LOCK TABLE "+rowPerEventTable+" IN SHARE UPDATE EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	// The first 1,000 events make the statistics due.
	applied := make(chan error, 1)
	go func() { applied <- handle(projections.NewMessage(ctx, eventsAt(1, 1000))) }()
	waitFor(t, pool, "the ANALYZE waiting behind the blocker", `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query = $1)`, "ANALYZE "+pgx.Identifier{rowPerEventTable}.Sanitize())
	select {
	case err := <-applied:
		if err != nil {
			t.Fatalf("the batch that made the statistics due: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the batch that made the statistics due was not acknowledged while its ANALYZE waited")
	}
	// The next batch is applied, the ANALYZE still waiting.
	if err := handle(projections.NewMessage(ctx, eventsAt(1001, 1))); err != nil {
		t.Fatalf("the next batch: %v", err)
	}
	if n := countRows(t, pool); n != 1001 {
		t.Fatalf("rows after both batches: %d, want 1001", n)
	}

	// Once nothing holds it back, the refresh happens. analyze_count counts
	// the ANALYZE statements only, not autovacuum's.
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, pool, "the table's statistics refreshed", `SELECT coalesce((SELECT analyze_count > 0 FROM pg_stat_user_tables
WHERE relname = $1), false)`, rowPerEventTable)
}

// waitFor polls the server until query (a boolean, of args) is true,
// failing the test, named by what, after 10 s.
func waitFor(t *testing.T, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, what, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var done bool
		if err := pool.QueryRow(context.Background(), query, args...).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling the server's own views: there is nothing to wait on
	}
}

const rowPerEventTable = "row_per_event"

// rowPerEvent is a projector that writes one row per event.
type rowPerEvent struct{}

func (rowPerEvent) Name() string { return "row_per_event_v1" }
func (rowPerEvent) Schema() []string {
	return []string{"CREATE TABLE IF NOT EXISTS " + rowPerEventTable + " (id text PRIMARY KEY)"}
}
func (rowPerEvent) Tables() []string { return []string{rowPerEventTable} }
func (rowPerEvent) Reduce(e projections.Event) []projections.Statement {
	return []projections.Statement{{SQL: "INSERT INTO " + rowPerEventTable + " (id) VALUES ($1)", Args: []any{e.ID}}}
}

// eventsAt is n events from feed position first on.
func eventsAt(first, n int) []projections.Event {
	events := make([]projections.Event, n)
	for i := range events {
		at := uint64(first + i)
		events[i] = projections.Event{Position: eventstore.Position{Commit: at, Prepare: at},
			ID: fmt.Sprintf("event-%d", at), Type: "Probed", Tenant: "t", Version: int64(at)}
	}
	return events
}

func countRows(t *testing.T, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+rowPerEventTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
