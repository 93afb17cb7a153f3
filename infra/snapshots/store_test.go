package snapshots_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/snapshots"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func newStore(t *testing.T) *snapshots.Store {
	t.Helper()
	return snapshots.New(pgtest.NewPool(t))
}

func snapshot(stream string, version int64, schema int) execution.Snapshot {
	return execution.Snapshot{
		Stream:        stream,
		Version:       version,
		Position:      eventstore.Position{Commit: uint64(1000 + version), Prepare: uint64(version)},
		SchemaVersion: schema,
		Data:          fmt.Appendf(nil, `{"version":%d,"schema":%d}`, version, schema),
	}
}

func save(t *testing.T, store *snapshots.Store, s execution.Snapshot) {
	t.Helper()
	if err := store.SaveSnapshot(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func mustLoad(t *testing.T, store *snapshots.Store, stream string) execution.Snapshot {
	t.Helper()
	got, found, err := store.LoadSnapshot(context.Background(), stream)
	if err != nil || !found {
		t.Fatalf("load %s: found %v, err %v", stream, found, err)
	}
	return got
}

func assertSnapshot(t *testing.T, got, want execution.Snapshot) {
	t.Helper()
	if got.Stream != want.Stream || got.Version != want.Version || got.Position != want.Position ||
		got.SchemaVersion != want.SchemaVersion || !bytes.Equal(got.Data, want.Data) {
		t.Fatalf("got snapshot %+v (data %s), want %+v (data %s)", got, got.Data, want, want.Data)
	}
}

func TestAStreamWithoutSnapshotIsNotFound(t *testing.T) {
	t.Parallel()
	_, found, err := newStore(t).LoadSnapshot(context.Background(), "tenant-none")
	if err != nil || found {
		t.Fatalf("found %v, err %v; want not found", found, err)
	}
}

// Positions are uint64 pairs; the largest values must survive the round trip.
func TestASavedSnapshotLoadsBackExactly(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	want := snapshot("tenant-a", 42, 3)
	want.Position = eventstore.Position{Commit: math.MaxUint64, Prepare: math.MaxUint64 - 1}
	want.Data = []byte{0, 1, 2, 0xff, 0}
	save(t, store, want)
	assertSnapshot(t, mustLoad(t, store, "tenant-a"), want)
}

func TestALaterSnapshotReplacesAnEarlierOne(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	save(t, store, snapshot("tenant-a", 5, 1))
	save(t, store, snapshot("tenant-a", 9, 1))
	assertSnapshot(t, mustLoad(t, store, "tenant-a"), snapshot("tenant-a", 9, 1))
}

func TestSnapshotsNeverMoveBackwards(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	save(t, store, snapshot("tenant-a", 9, 1))
	save(t, store, snapshot("tenant-a", 5, 1))
	save(t, store, snapshot("tenant-a", 5, 2)) // a newer schema does not excuse an older version
	assertSnapshot(t, mustLoad(t, store, "tenant-a"), snapshot("tenant-a", 9, 1))
}

// After a deploy that changes the snapshot schema, the first full replay must
// be able to refresh the snapshot at the same version.
func TestANewerSchemaReplacesTheSnapshotAtTheSameVersion(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	save(t, store, snapshot("tenant-a", 9, 1))
	save(t, store, snapshot("tenant-a", 9, 2))
	save(t, store, snapshot("tenant-a", 9, 1)) // an old replica still running must not undo it
	assertSnapshot(t, mustLoad(t, store, "tenant-a"), snapshot("tenant-a", 9, 2))
}

func TestSnapshotsAreKeptPerStream(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	save(t, store, snapshot("tenant-a", 3, 1))
	save(t, store, snapshot("tenant-b", 7, 1))
	assertSnapshot(t, mustLoad(t, store, "tenant-a"), snapshot("tenant-a", 3, 1))
	assertSnapshot(t, mustLoad(t, store, "tenant-b"), snapshot("tenant-b", 7, 1))
}

// Writers finishing in any order leave the latest version stored.
func TestConcurrentSavesKeepTheLatestVersion(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	const writers = 20
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for v := int64(1); v <= writers; v++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- store.SaveSnapshot(context.Background(), snapshot("tenant-a", v, 1))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	assertSnapshot(t, mustLoad(t, store, "tenant-a"), snapshot("tenant-a", writers, 1))
}

func TestSavingAMeaninglessSnapshotIsAnError(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	noData := snapshot("tenant-a", 1, 1)
	noData.Data = nil
	for name, s := range map[string]execution.Snapshot{
		"version_zero": snapshot("tenant-a", 0, 1),
		"no_data":      noData,
	} {
		if err := store.SaveSnapshot(context.Background(), s); err == nil {
			t.Errorf("%s: saved without error", name)
		}
	}
	if _, found, _ := store.LoadSnapshot(context.Background(), "tenant-a"); found {
		t.Fatal("a refused snapshot was stored")
	}
}
