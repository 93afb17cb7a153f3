package projections_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/teams"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// A batch of the rebuilt projector still in flight at the swap reads its
// tables, then locks its checkpoint (as applyInTx does). The swap must not
// take that checkpoint first and then wait for the tables: the two would
// wait on each other until PostgreSQL ended one as a deadlock (seen in the
// rebuild bench). The swap waits for the batch instead, and both succeed.
func TestASwapWaitsForABatchInFlightInsteadOfDeadlocking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	live := teams.New()
	if err := projections.Setup(ctx, pool, live); err != nil {
		t.Fatal(err)
	}
	r, err := projections.RequestRebuild(ctx, pool, live.Name(), projections.RebuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := teams.NewSuffixed(r.Suffix)
	if err := projections.StartRebuild(ctx, pool, r, rebuilt); err != nil {
		t.Fatal(err)
	}
	if r, err = projections.LoadRebuild(ctx, pool, live.Name()); err != nil {
		t.Fatal(err)
	}

	batch, err := pool.Begin(ctx) // the batch in flight: it has read its table
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Rollback(ctx)
	if _, err := batch.Exec(ctx, "SELECT count(*) FROM "+pgx.Identifier{rebuilt.Tables()[0]}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	swapped := make(chan error, 1)
	go func() { // bounded: a swap still waiting after 30 s fails
		bounded, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		swapped <- pgx.BeginFunc(bounded, pool, func(tx pgx.Tx) error { return projections.SwapTables(bounded, tx, r, live, rebuilt) })
	}()
	waitForALockWait(t, pool)
	// Now the batch locks its checkpoint: it must get it and finish.
	var commit, prepare string
	if err := batch.QueryRow(ctx, `SELECT commit_position::text, prepare_position::text FROM projection_checkpoints
WHERE name = $1 FOR UPDATE`, rebuilt.Name()).Scan(&commit, &prepare); err != nil {
		t.Fatalf("the batch's checkpoint lock: %v", err)
	}
	if err := batch.Commit(ctx); err != nil {
		t.Fatalf("the batch's commit: %v", err)
	}
	if err := <-swapped; err != nil {
		t.Fatalf("the swap, once the batch had ended: %v", err)
	}
}

// waitForALockWait returns once some session of the database waits for a
// lock (the swap, behind the batch), failing the test after 10 s.
func waitForALockWait(t *testing.T, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) {
	t.Helper()
	waitFor(t, pool, "the swap waiting for the batch's table", `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE NOT l.granted AND a.datname = current_database())`)
}
