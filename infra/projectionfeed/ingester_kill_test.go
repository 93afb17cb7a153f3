package projectionfeed_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/childprocess"
	"github.com/rosterhq/roster/infra/kurrentdb"
	"github.com/rosterhq/roster/infra/kurrentfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
)

// ingesterChildDatabaseEnv, when set, makes TestIngesterProcess copy the
// feed of the KurrentDB at ingesterChildKurrentDBEnv into that database
// until it is killed: the process the ingester kill test starts and
// SIGKILLs. Without it, that function returns at once (it is the child's
// entry point, not a test of its own).
const (
	ingesterChildDatabaseEnv  = "PROJECTIONFEED_INGESTER_CHILD_DATABASE"
	ingesterChildKurrentDBEnv = "PROJECTIONFEED_INGESTER_CHILD_KURRENTDB"
)

func TestIngesterProcess(t *testing.T) {
	pool := childPool(t, ingesterChildDatabaseEnv)
	if pool == nil {
		return
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The options of projectiontest's KurrentDB world, whose fake this is.
	kdb, err := kurrentdb.Open(os.Getenv(ingesterChildKurrentDBEnv), kurrentdb.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	// No Feed to wake: the projectors are in the parent, woken by the NOTIFY
	// each batch sends.
	err = kurrentfeed.NewIngester(kdb, pool, nil, nil, log).Run(context.Background()) // until SIGKILL
	t.Fatalf("the ingester stopped by itself: %v", err)
}

// Killing the process that copies KurrentDB's feed into PostgreSQL (SIGKILL:
// no cleanup at all, a batch's transaction cut wherever it is) at random
// points, 20 times, while commands keep arriving in KurrentDB and the
// projectors run, leaves kurrent_feed holding each event of the feed exactly
// once, in $all order, after every kill; and, once an ingester has run to
// the end, every read model identical, row for row, to a fresh projection.
// (Always on the fake KurrentDB, whatever ROSTER_EVENTSTORE: it lives in
// this process, so it outlives the kills.)
func TestKillingTheKurrentDBIngesterProcessLeavesTheCopyAndReadModelsExact(t *testing.T) {
	w := projectiontest.NewOnKurrentDB(t)
	live := readModels("")
	stopProjectors := run(t, w, live, projections.NewStatus())
	wr, stopWriter := startWriter(t, w, 300)
	env := []string{ingesterChildDatabaseEnv + "=" + w.URL, ingesterChildKurrentDBEnv + "=" + w.KurrentDBURL}
	ingested := func() eventstore.Position {
		at, err := ingestedUpTo(w.Pool)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	committed := 0
	for round := range 20 {
		before := ingested()
		child := childprocess.Start(t, "TestIngesterProcess", env...)
		if round%4 != 0 { // else kill at once, wherever it is (usually before its first commit)
			awaitProgress(t, child, ingested, before)
		}
		child.Kill(t)
		if assertCopiedExactly(t, w).Compare(before) > 0 {
			committed++
		}
	}
	stopWriter()
	head := *wr.last.Load()
	last := childprocess.Start(t, "TestIngesterProcess", env...)
	stopProjectors()
	assertMatchesAFreshProjection(t, w, live, head) // which waits for the copy to reach head
	if upTo := assertCopiedExactly(t, w); upTo.Compare(head) < 0 {
		t.Errorf("the ingester copied up to %s, not to the last event, %s", upTo, head)
	}
	last.Kill(t)
	t.Logf("%d commands, %d events; 20 kills, %d of them after the killed process had committed a batch",
		wr.n, wr.state.Version(), committed)
}

// ingestedUpTo is the ingester's stored position, read through db (a pool
// or a transaction): how far the copy has been committed.
func ingestedUpTo(db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (eventstore.Position, error) {
	var commit, prepare int64
	err := db.QueryRow(context.Background(), `SELECT commit_position, prepare_position FROM kurrent_feed_position`).Scan(&commit, &prepare)
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}, err
}

// assertCopiedExactly checks that kurrent_feed holds exactly the events of
// KurrentDB's feed up to the ingester's stored position, each once, in $all
// order, whole (every field), and nothing after it. The rows and the
// position are read in one snapshot, as a batch commits them together: a
// transaction of a killed ingester that PostgreSQL has yet to end counts
// wholly or not at all. It returns the position.
func assertCopiedExactly(t *testing.T, w *projectiontest.World) eventstore.Position {
	t.Helper()
	ctx := context.Background()
	var upTo eventstore.Position
	var copied []string
	err := pgx.BeginTxFunc(ctx, w.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if upTo, err = ingestedUpTo(tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT commit_position, prepare_position, stream_id, stream_version, event_id::text,
       event_type, schema_version, payload::text, metadata::text, occurred_at
FROM kurrent_feed ORDER BY commit_position, prepare_position`)
		if err != nil {
			return err
		}
		copied, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
			var e eventstore.RecordedEvent
			var commit, prepare int64
			err := row.Scan(&commit, &prepare, &e.StreamID, &e.StreamVersion, &e.ID, &e.Type, &e.SchemaVersion, &e.Payload, &e.Metadata, &e.OccurredAt)
			e.Position = eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
			return eventString(e), err
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const most = 1_000_000 // far more than the test appends
	events, err := w.KurrentDB.ReadAll(ctx, eventstore.Position{}, most)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range events {
		if e.Position.Compare(upTo) > 0 {
			break
		}
		want = append(want, eventString(e))
	}
	for i := range max(len(copied), len(want)) {
		if i >= len(copied) || i >= len(want) || copied[i] != want[i] {
			at := func(list []string) string {
				if i < len(list) {
					return list[i]
				}
				return "nothing"
			}
			t.Fatalf("up to %s, kurrent_feed holds %d events, KurrentDB's feed %d; event %d is\n%s\nin kurrent_feed, and\n%s\nin KurrentDB",
				upTo, len(copied), len(want), i+1, at(copied), at(want))
		}
	}
	return upTo
}

// eventString is every field of e, for comparing copies.
func eventString(e eventstore.RecordedEvent) string {
	return fmt.Sprintf("%s %s@%d %s %s v%d %s %s %s", e.Position, e.StreamID, e.StreamVersion, e.ID, e.Type, e.SchemaVersion,
		e.Payload, e.Metadata, e.OccurredAt.UTC().Format(time.RFC3339Nano))
}
