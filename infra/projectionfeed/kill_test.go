package projectionfeed_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/childprocess"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/users"
)

// childDatabaseEnv, when set, makes TestProjectorProcess run the read
// models on that database until it is killed: the process the kill test
// starts and SIGKILLs. Without it, that function returns at once (it is
// the child's entry point, not a test of its own).
const childDatabaseEnv = "PROJECTIONFEED_CHILD_DATABASE"

func TestProjectorProcess(t *testing.T) {
	pool := childPool(t, childDatabaseEnv)
	if pool == nil {
		return
	}
	store := pgstore.New(pool, pgstore.Options{})
	router, err := projectionfeed.NewRouter(context.Background(), projectionfeed.RouterConfig{Pool: pool, Feed: store,
		Projectors: readModels(""), Status: projections.NewStatus(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	_ = router.Run(context.Background()) // until SIGKILL
}

// Killing the process that runs the projectors (SIGKILL: no cleanup at all)
// at random points, 20 times, while events keep arriving, leaves read models
// identical, row for row, to a fresh projection of the same events.
func TestKillingTheProjectorProcessLeavesReadModelsExact(t *testing.T) {
	w := projectiontest.NewOnPostgreSQL(t) // the projector process is another process: it needs a server both can reach
	live := readModels("")
	wr, stopWriter := startWriter(t, w, 300)
	for round := range 20 {
		before := checkpointOf(t, w, users.Table)
		child := childprocess.Start(t, "TestProjectorProcess", childDatabaseEnv+"="+w.URL)
		if round%4 != 0 { // else kill at once, wherever it is
			awaitProgress(t, child, func() eventstore.Position { return checkpointOf(t, w, users.Table) }, before)
		}
		child.Kill(t)
	}
	stopWriter()
	assertMatchesAFreshProjection(t, w, live, *wr.last.Load())
}

func checkpointOf(t *testing.T, w *projectiontest.World, name string) eventstore.Position {
	c, err := projections.LoadCheckpoint(context.Background(), w.Pool, name)
	if err != nil { // not set up yet: the child creates it
		return eventstore.Position{}
	}
	return c.Position
}

// awaitProgress waits (with a deadline) until child has committed at least
// one batch past before — position reads how far it has got, from the
// database — then a random moment more.
func awaitProgress(t *testing.T, child *childprocess.Process, position func() eventstore.Position, before eventstore.Position) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for position().Compare(before) <= 0 {
		if time.Now().After(deadline) {
			child.Kill(t) // shows its output had it exited by itself
			t.Fatalf("the child process made no progress within 30 s:\n%s", child.Output())
		}
		time.Sleep(2 * time.Millisecond) // polling another process's committed state
	}
	time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond) // a random point in its next batches
}
