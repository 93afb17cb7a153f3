package pgstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/eventstore/eventstoretest"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func newStore(t *testing.T, pool *pgxpool.Pool, opts pgstore.Options) *pgstore.Store {
	s := pgstore.New(pool, opts)
	t.Cleanup(s.Close)
	return s
}

func TestEventStoreContract(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T) eventstoretest.Harness {
		pool := pgtest.NewPool(t)
		store := newStore(t, pool, pgstore.Options{})
		return eventstoretest.Harness{
			Store: store,
			AppendUncommitted: func(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent) (func(context.Context) error, error) {
				tx, err := pool.Begin(ctx)
				if err != nil {
					return nil, err
				}
				if _, err := store.AppendTx(ctx, tx, stream, expected, events, nil); err != nil {
					_ = tx.Rollback(ctx)
					return nil, err
				}
				return tx.Commit, nil
			},
		}
	})
}

func event(label string) []eventstore.NewEvent {
	return []eventstore.NewEvent{{
		ID: uuid.NewString(), Type: "TestHappened", SchemaVersion: 1,
		Payload: []byte(`{"label":"` + label + `"}`), OccurredAt: time.Now(),
	}}
}

// A subscriber held back by a transaction that appends nothing gets no
// NOTIFY when it ends; it must still deliver the held-back event.
func TestFeedDeliversEventsHeldBackByAnUnrelatedTransaction(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := newStore(t, pool, pgstore.Options{IdlePoll: time.Hour})
	blocker, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	if _, err := blocker.Exec(ctx, "SELECT pg_current_xact_id()"); err != nil { // takes an xid: holds the fence
		t.Fatal(err)
	}
	delivered := make(chan eventstore.RecordedEvent, 1)
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go store.Subscribe(subCtx, eventstore.Position{}, func(_ context.Context, batch []eventstore.RecordedEvent) error {
		delivered <- batch[0]
		return nil
	})
	if _, err := store.Append(ctx, "held", eventstore.NoStream(), event("held")); err != nil {
		t.Fatal(err)
	}
	if all, _ := store.ReadAll(ctx, eventstore.Position{}, 10); len(all) != 0 {
		t.Fatalf("the feed shows %d events behind a running transaction; the fence is not working", len(all))
	}
	if err := blocker.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-delivered:
		if e.StreamID != "held" {
			t.Fatalf("delivered %s", e.StreamID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the held-back event was not delivered after the blocking transaction ended")
	}
}

// Appends by another process (another Store on the same database) wake a
// caught-up subscriber through LISTEN/NOTIFY, not through polling.
func TestFeedIsWokenByAnotherProcessesAppend(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	reader := newStore(t, pool, pgstore.Options{IdlePoll: time.Hour})
	writer := newStore(t, pool, pgstore.Options{})
	delivered := make(chan int, 16)
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go reader.Subscribe(subCtx, eventstore.Position{}, func(_ context.Context, batch []eventstore.RecordedEvent) error {
		delivered <- len(batch)
		return nil
	})
	for i := range 3 {
		if _, err := writer.Append(ctx, "remote", eventstore.Any(), event("remote")); err != nil {
			t.Fatal(err)
		}
		select {
		case <-delivered:
		case <-time.After(10 * time.Second):
			t.Fatalf("append %d by another store did not wake the subscriber", i)
		}
	}
}

func TestEventsTableIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := newStore(t, pool, pgstore.Options{})
	if _, err := store.Append(ctx, "s", eventstore.NoStream(), event("kept")); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"UPDATE events SET event_type = 'Forged'",
		"DELETE FROM events",
		"TRUNCATE events",
	} {
		if _, err := pool.Exec(ctx, sql); err == nil {
			t.Errorf("%q succeeded on the event log", sql)
		}
	}
}
