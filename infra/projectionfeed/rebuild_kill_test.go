package projectionfeed_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/childprocess"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

// rebuildChildDatabaseEnv, when set, makes TestRebuildProcess run the
// projectors' host — the live read models and the rebuilds asked for in
// projection_rebuilds — on that database until it is killed: the process
// the rebuild kill test starts and SIGKILLs. Without it, that function
// returns at once (it is the child's entry point, not a test of its own).
const rebuildChildDatabaseEnv = "PROJECTIONFEED_REBUILD_CHILD_DATABASE"

func TestRebuildProcess(t *testing.T) {
	pool := childPool(t, rebuildChildDatabaseEnv)
	if pool == nil {
		return
	}
	store := pgstore.New(pool, pgstore.Options{})
	host := projectionfeed.NewHost(projectionfeed.HostConfig{
		RouterConfig: projectionfeed.RouterConfig{Pool: pool, Feed: store, Status: projections.NewStatus(),
			Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
			Retries: 2, RetryInterval: time.Millisecond},
		ReadModels: catalog.All(), Poll: 10 * time.Millisecond})
	err := host.Run(context.Background()) // until SIGKILL
	t.Fatalf("the host stopped by itself: %v", err)
}

// childPool is, in a child process started by childprocess.Start, a pool on the
// database named by env; outside one (env unset) it is nil, and the entry
// point returns at once.
func childPool(t *testing.T, env string) *pgxpool.Pool {
	url := os.Getenv(env)
	if url == "" {
		return nil
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

// assertNoRebuildLeftovers checks that no suffixed table of a rebuild, nor
// its checkpoint, is left in the database.
func assertNoRebuildLeftovers(t *testing.T, w *projectiontest.World) {
	t.Helper()
	var tables, checkpoints []string
	for _, p := range readModels(projections.RebuildSuffix) {
		tables = append(tables, p.Tables()...)
		checkpoints = append(checkpoints, p.Name())
	}
	var leftTables, leftCheckpoints []string
	err := w.Pool.QueryRow(context.Background(), `SELECT
    coalesce((SELECT array_agg(t ORDER BY t) FROM unnest($1::text[]) t WHERE to_regclass(quote_ident(t)) IS NOT NULL), '{}'),
    coalesce((SELECT array_agg(name ORDER BY name) FROM projection_checkpoints WHERE name = ANY($2)), '{}')`,
		tables, checkpoints).Scan(&leftTables, &leftCheckpoints)
	if err != nil {
		t.Fatal(err)
	}
	if len(leftTables) != 0 || len(leftCheckpoints) != 0 {
		t.Errorf("no rebuild is pending, yet tables %v and checkpoints %v of a rebuild are left", leftTables, leftCheckpoints)
	}
}

// Killing the process that runs the projectors' host (SIGKILL: no cleanup
// at all) at random points of rebuilds of every read model, 20 times, while
// commands keep arriving — before it starts, while it builds, aligns or
// swaps — and starting it again resumes each rebuild: every rebuild that
// finishes is done, compared equal to the live model, and left no suffixed
// table behind; and the live read models end identical, row for row, to a
// fresh projection of the same events. A finished rebuild is asked for
// again at once, so that later rounds kill swaps too.
func TestKillingTheHostProcessMidRebuildResumesRebuildsExactly(t *testing.T) {
	w := projectiontest.NewOnPostgreSQL(t) // the host is another process: it needs a server both can reach
	seedBig(t, w, 400)
	wr, stopWriter := startWriter(t, w, 200)
	requestRebuilds(t, w, projections.RebuildOptions{Verify: true})
	finished, kills, aligned := 0, map[string]int{}, 0
	for round := range 20 {
		before := loadRebuilds(t, w)
		child := childprocess.Start(t, "TestRebuildProcess", rebuildChildDatabaseEnv+"="+w.URL)
		switch round % 5 {
		case 0: // kill at once, wherever it is (often before it has done anything)
		case 1:
			awaitRebuildProgress(t, w, progressOf(before), 20*time.Millisecond)
		case 2:
			awaitRebuildProgress(t, w, progressOf(before), 200*time.Millisecond)
		default: // later, often while aligning or swapping
			awaitRebuildProgress(t, w, progressOf(before), 1200*time.Millisecond)
		}
		child.Kill(t)
		rebuilds := loadRebuilds(t, w)
		for _, r := range rebuilds {
			if r.State == projections.RebuildFailed {
				t.Fatalf("round %d: the rebuild of %s failed: %s\nthe host's output:\n%s", round, r.Name, r.Error, child.Output())
			}
			kills[r.State]++
			if at := checkpointOf(t, w, r.Name); r.State == projections.RebuildRebuilding && at != (eventstore.Position{}) &&
				at == checkpointOf(t, w, r.Name+r.Suffix) {
				aligned++ // killed once aligned, before or during the swap
			}
		}
		if !anyPending(rebuilds) {
			assertRebuiltIdentically(t, w, rebuilds)
			assertNoRebuildLeftovers(t, w)
			finished++
			requestRebuilds(t, w, projections.RebuildOptions{Verify: true})
		}
	}
	last := childprocess.Start(t, "TestRebuildProcess", rebuildChildDatabaseEnv+"="+w.URL)
	rebuilds := awaitRebuilds(t, w)
	last.Kill(t)
	assertRebuiltIdentically(t, w, rebuilds)
	assertNoRebuildLeftovers(t, w)
	stopWriter()
	t.Logf("20 kills (read-model states seen after them: %v, %d of them aligned, not swapped); "+
		"%d generations of rebuilds finished within them; %d commands", kills, aligned, finished, wr.n)
	assertMatchesAFreshProjection(t, w, readModels(""), *wr.last.Load())
}
