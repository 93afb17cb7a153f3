package projectionfeed_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

func newHost(w *projectiontest.World) *projectionfeed.Host {
	return projectionfeed.NewHost(projectionfeed.HostConfig{
		RouterConfig: projectionfeed.RouterConfig{Pool: w.Pool, Feed: w.Store, Status: projections.NewStatus(),
			Logger: slog.New(slog.DiscardHandler), Retries: 2, RetryInterval: time.Millisecond},
		ReadModels: catalog.All(), Poll: 10 * time.Millisecond})
}

// startHost runs a host until the returned stop is called.
func startHost(t *testing.T, w *projectiontest.World) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- newHost(w).Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("the host, stopped, ended with %v", err)
		}
	}
}

// seedBig stores a second tenant with n invited and activated users, so
// that a rebuild has a history worth interrupting.
func seedBig(t *testing.T, w *projectiontest.World, n int) {
	for _, batch := range projectiontest.InvitedUsers(t, "big", n) {
		w.Append("big", batch...)
	}
}

// requestRebuilds asks for a rebuild of every read model.
func requestRebuilds(t *testing.T, w *projectiontest.World, opts projections.RebuildOptions) {
	if err := projections.Setup(context.Background(), w.Pool); err != nil {
		t.Fatal(err)
	}
	for _, m := range catalog.All() {
		if _, err := projections.RequestRebuild(context.Background(), w.Pool, m.Live.Name(), opts); err != nil {
			t.Fatal(err)
		}
	}
}

func loadRebuilds(t *testing.T, w *projectiontest.World) []projections.Rebuild {
	rebuilds, err := projections.LoadRebuilds(context.Background(), w.Pool)
	if err != nil {
		t.Fatal(err)
	}
	return rebuilds
}

// awaitRebuilds polls the rebuilds (another goroutine's committed state)
// until none is pending, with a deadline, and returns them.
func awaitRebuilds(t *testing.T, w *projectiontest.World) []projections.Rebuild {
	deadline := time.Now().Add(60 * time.Second)
	for {
		rebuilds := loadRebuilds(t, w)
		if !anyPending(rebuilds) {
			return rebuilds
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rebuilds did not finish within 60 s: %+v", rebuilds)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func anyPending(rebuilds []projections.Rebuild) bool {
	for _, r := range rebuilds {
		if r.Pending() {
			return true
		}
	}
	return false
}

// assertRebuiltIdentically checks every rebuild swapped in, compared equal
// to the live model first, and left no suffixed table behind.
func assertRebuiltIdentically(t *testing.T, w *projectiontest.World, rebuilds []projections.Rebuild) {
	t.Helper()
	if len(rebuilds) != len(catalog.All()) {
		t.Fatalf("%d rebuilds, want %d", len(rebuilds), len(catalog.All()))
	}
	for _, r := range rebuilds {
		if r.State != projections.RebuildDone || r.Differences == nil || *r.Differences != "" {
			t.Errorf("%s: state %s, error %q, differences %v", r.Name, r.State, r.Error, r.Differences)
		}
	}
	var leftovers int
	err := w.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_class WHERE relname LIKE '%\_v1\_rebuild%'`).Scan(&leftovers)
	if err != nil || leftovers != 0 {
		t.Errorf("%d tables or indexes of the rebuild are left (%v)", leftovers, err)
	}
}

// A rebuild of every read model while commands keep arriving compares
// equal to the live model at the swap, and after it the live tables are
// identical, row for row, to a fresh projection of the same events.
func TestARebuildWhileCommandsArriveEndsIdenticalToTheLiveModel(t *testing.T) {
	w := projectiontest.New(t)
	seedBig(t, w, 2000)
	wr, stopWriter := startWriter(t, w, 300)
	stopHost := startHost(t, w)
	requestRebuilds(t, w, projections.RebuildOptions{Verify: true})
	rebuilds := awaitRebuilds(t, w)
	stopHost()
	stopWriter()
	assertRebuiltIdentically(t, w, rebuilds)
	assertMatchesAFreshProjection(t, w, readModels(""), *wr.last.Load())
}

// Stopping the host at random points of rebuilds, 20 times, while commands
// keep arriving — before it starts, while it builds, aligns or swaps — and
// starting it again resumes each rebuild from its checkpoint; every rebuild
// that finishes was identical to the live model, and the end result is
// identical to a fresh projection. A finished rebuild is asked for again at
// once, so that later rounds interrupt swaps too.
func TestStoppingRebuildsAtRandomPointsResumesThemExactly(t *testing.T) {
	w := projectiontest.New(t)
	seedBig(t, w, 1000)
	wr, stopWriter := startWriter(t, w, 300)
	requestRebuilds(t, w, projections.RebuildOptions{Verify: true})
	finished := 0
	for round := range 20 {
		before := progressOf(loadRebuilds(t, w))
		stopHost := startHost(t, w)
		switch round % 4 {
		case 0: // stop at once, wherever it is
		case 3: // stop later, often while aligning or swapping
			awaitRebuildProgress(t, w, before, 1500*time.Millisecond)
		default:
			awaitRebuildProgress(t, w, before, 50*time.Millisecond)
		}
		stopHost()
		if rebuilds := loadRebuilds(t, w); !anyPending(rebuilds) {
			assertRebuiltIdentically(t, w, rebuilds)
			finished++
			requestRebuilds(t, w, projections.RebuildOptions{Verify: true})
		}
	}
	stopHost := startHost(t, w)
	assertRebuiltIdentically(t, w, awaitRebuilds(t, w))
	stopHost()
	stopWriter()
	t.Logf("%d generations of rebuilds finished within the 20 interrupted rounds", finished)
	assertMatchesAFreshProjection(t, w, readModels(""), *wr.last.Load())
}

// progressOf summarises where the rebuilds are.
func progressOf(rebuilds []projections.Rebuild) string {
	var out string
	for _, r := range rebuilds {
		out += fmt.Sprintf("%s %s %d;", r.Name, r.State, r.EventsDone)
	}
	return out
}

// awaitRebuildProgress waits (with a deadline) until the rebuilds moved on
// from before — a batch applied, a state changed — then a random moment
// (below upTo) more.
func awaitRebuildProgress(t *testing.T, w *projectiontest.World, before string, upTo time.Duration) {
	deadline := time.Now().Add(30 * time.Second)
	for progressOf(loadRebuilds(t, w)) == before {
		if time.Now().After(deadline) {
			t.Fatal("the rebuilds made no progress within 30 s")
		}
		time.Sleep(2 * time.Millisecond) // polling the host's committed state
	}
	time.Sleep(rand.N(upTo)) // a random point in what it does next
}
