package natspublisher_test

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/childprocess"
	"github.com/rosterhq/roster/infra/natspublisher"
)

// childDatabaseEnv, when set, makes TestPublisherProcess publish that
// database's public event log to the NATS server at childNATSEnv until it
// is killed: the process the kill test starts and SIGKILLs. Without it,
// that function returns at once (it is the child's entry point, not a
// test of its own).
const (
	childDatabaseEnv = "NATSPUBLISHER_CHILD_DATABASE"
	childNATSEnv     = "NATSPUBLISHER_CHILD_NATS"
)

// childBatch is small, so that most kills land among a batch's publishes,
// after some were acknowledged and before the checkpoint covers them.
const childBatch = 8

func TestPublisherProcess(t *testing.T) {
	url := os.Getenv(childDatabaseEnv)
	if url == "" {
		return
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	err = natspublisher.New(pool, natspublisher.Options{URL: os.Getenv(childNATSEnv), Batch: childBatch, Logger: log}).
		Run(context.Background()) // until SIGKILL
	t.Fatalf("the publisher stopped by itself: %v", err)
}

// Killing the publishing process (SIGKILL: no cleanup at all) at random
// points, 20 times, while rows keep arriving in the public event log,
// leaves the durable stream holding every complete row exactly once, in
// feed order, once a publisher has run to the end: a killed process's
// publishes that its checkpoint did not cover yet are neither lost nor
// stored twice.
func TestKillingThePublisherProcessLeavesEveryEventInTheStreamOnceInOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stopWriter := w.startWriter()
	env := []string{childDatabaseEnv + "=" + w.url, childNATSEnv + "=" + w.nats.URL()}
	ahead := 0
	for round := range 20 {
		before := w.checkpoint(natspublisher.DefaultStream)
		child := childprocess.Start(t, "TestPublisherProcess", env...)
		if round%4 != 0 { // else kill at once, wherever it is (usually before it publishes)
			waitFor(t, "the child to store a checkpoint", func() bool {
				return w.checkpoint(natspublisher.DefaultStream).Compare(before) > 0
			})
			time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond) // a random point in its next batches
		}
		child.Kill(t)
		if w.streamHead(natspublisher.DefaultStream).Compare(w.checkpoint(natspublisher.DefaultStream)) > 0 {
			ahead++
		}
	}
	rows := stopWriter()
	last := childprocess.Start(t, "TestPublisherProcess", env...)
	w.waitForCheckpoint(natspublisher.DefaultStream, lastComplete(rows))
	last.Kill(t)
	w.assertStreamHolds(natspublisher.DefaultStream, rows)
	t.Logf("%d rows; 20 kills, %d of them after acknowledged publishes the checkpoint did not cover yet",
		len(rows), ahead)
}

// Two publishers at once (which Run's contract asks not to do) still leave
// the stream holding every row once, in feed order: each publishes in
// order and awaits every acknowledgement, and the stream drops the other's
// repeats.
func TestTwoPublishersAtOnceStillStoreEveryEventOnceInOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stopWriter := w.startWriter()
	w.run(natspublisher.Options{Batch: 4})
	w.run(natspublisher.Options{Batch: 7})
	waitFor(t, "300 rows published", func() bool { return w.checkpoint(natspublisher.DefaultStream).Commit >= 300 })
	w.assertPublished(natspublisher.DefaultStream, stopWriter())
}

// startWriter stores rows, one after another as the projector would, a
// fifth of them incomplete at first and completed by the next write, until
// the returned function is called, which returns the rows stored.
func (w *world) startWriter() (stop func() []row) {
	var (
		rows    []row // the writer's until done is closed
		failure error
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tenants := []string{"acme", "globex", "initech", "umbrella"}
		for ctx.Err() == nil && failure == nil {
			r := w.newRow(tenants[rand.IntN(len(tenants))], rand.IntN(5) == 0)
			failure = insertRow(w.pool, r)
			if failure == nil && r.Remaining > 0 {
				failure = completeRow(w.pool, r)
				r.Remaining = 0
			}
			rows = append(rows, r)
			time.Sleep(time.Millisecond) // a steady flow, not a flood
		}
	}()
	return func() []row {
		cancel()
		<-done
		if failure != nil {
			w.t.Fatalf("the writer failed: %v", failure)
		}
		return rows
	}
}

func lastComplete(rows []row) eventstore.Position {
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Remaining == 0 {
			return rows[i].Position
		}
	}
	return eventstore.Position{}
}

// streamHead is the position of the stream's last message (zero if none,
// or no stream yet).
func (w *world) streamHead(stream string) eventstore.Position {
	w.t.Helper()
	js := w.nats.jetStream()
	info, err := js.StreamInfo(stream)
	if errors.Is(err, nats.ErrStreamNotFound) || err == nil && info.State.Msgs == 0 {
		return eventstore.Position{}
	}
	var m *nats.RawStreamMsg
	if err == nil {
		m, err = js.GetMsg(stream, info.State.LastSeq)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	at, err := eventstore.ParsePosition(m.Header.Get(natspublisher.PositionHeader))
	if err != nil {
		w.t.Fatal(err)
	}
	return at
}
