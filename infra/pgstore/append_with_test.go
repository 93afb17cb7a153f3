package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestAppendWithCommitsTheStatementsAndTheEventsTogetherOrNeither(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, store := storeWithSideEffects(t)
	insert := func(n int) []pgstore.Statement {
		return []pgstore.Statement{{SQL: "INSERT INTO side_effects VALUES ($1)", Args: []any{n}}}
	}
	if _, err := store.AppendWith(ctx, "s", eventstore.NoStream(), event("one"), nil, insert(1)); err != nil {
		t.Fatal(err)
	}
	// The append conflicts: the statement's row must not stay.
	if _, err := store.AppendWith(ctx, "s", eventstore.NoStream(), event("two"), nil, insert(2)); !errors.Is(err, eventstore.ErrVersionConflict) {
		t.Fatalf("got %v, want a version conflict", err)
	}
	// The statement fails: no event may be stored.
	if _, err := store.AppendWith(ctx, "s", eventstore.Exact(1), event("three"), nil, insert(1)); !errors.Is(err, pgstore.ErrStatementFailed) {
		t.Fatalf("got %v, want ErrStatementFailed", err)
	}
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM side_effects").Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d side-effect rows (%v), want only the first", rows, err)
	}
	stored, err := store.ReadStream(ctx, "s", 0, 10)
	if err != nil || len(stored) != 1 {
		t.Fatalf("%d events stored (%v), want only the first", len(stored), err)
	}
}

// An append's session guards run in its round trip, on every append path:
// a session that is gone fails the append with ErrSessionNotLive; a check
// failing otherwise is an error, not a verdict; either way nothing is
// stored.
func TestSessionGuardsGateTheAppend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := newStore(t, pool, pgstore.Options{})
	now := time.Now()
	if _, err := pool.Exec(ctx, `INSERT INTO sessions (digest, tenant_id, user_id, issued_at, expires_at)
		VALUES ('live', 't', 'u', $1, $2)`, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	holds := eventstore.LiveSession{Digest: "live", At: now}
	fails := eventstore.LiveSession{Digest: "gone", At: now}
	broken := eventstore.LiveSession{Digest: "\x00", At: now} // PostgreSQL refuses the text: an error, no verdict
	paths := map[string]func(context.Context, string, []eventstore.LiveSession) error{
		"AppendWhileLive": func(ctx context.Context, s string, live []eventstore.LiveSession) error {
			_, err := store.AppendWhileLive(ctx, s, eventstore.Any(), event(s), live)
			return err
		},
		"AppendWith": func(ctx context.Context, s string, live []eventstore.LiveSession) error {
			_, err := store.AppendWith(ctx, s, eventstore.Any(), event(s), live, nil)
			return err
		},
		"AppendTx": func(ctx context.Context, s string, live []eventstore.LiveSession) error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := store.AppendTx(ctx, tx, s, eventstore.Any(), event(s), live); err != nil {
				return err
			}
			return tx.Commit(ctx)
		},
	}
	for name, appendOn := range paths {
		if err := appendOn(ctx, name+"-holds", []eventstore.LiveSession{holds}); err != nil {
			t.Errorf("%s with a live session: %v", name, err)
		}
		if err := appendOn(ctx, name+"-fails", []eventstore.LiveSession{holds, fails}); !errors.Is(err, eventstore.ErrSessionNotLive) {
			t.Errorf("%s with a session that is gone: %v, want ErrSessionNotLive", name, err)
		}
		if err := appendOn(ctx, name+"-broken", []eventstore.LiveSession{broken}); err == nil || errors.Is(err, eventstore.ErrSessionNotLive) {
			t.Errorf("%s with a broken session check: %v, want an error that is no verdict", name, err)
		}
		for suffix, want := range map[string]int{"-holds": 1, "-fails": 0, "-broken": 0} {
			if got, err := store.ReadStream(ctx, name+suffix, 0, 10); err != nil || len(got) != want {
				t.Errorf("%s%s holds %d events (%v), want %d", name, suffix, len(got), err, want)
			}
		}
	}
}

// Within one stream the feed's order is the stream's order, even for an
// append whose statements take their time: were they to write before the
// events, the transaction id (the feed's order) would be taken before the
// version, and a concurrent append of the next version could come first in
// the stream and second in the feed.
func TestAnAppendWithStatementsTakesItsFeedPlaceWithItsVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, store := storeWithSideEffects(t)
	gate, err := pool.Acquire(ctx) // holds the lock the slow append's statement waits for
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Release()
	if _, err := gate.Exec(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	go func() {
		_, err := store.AppendWith(ctx, "s", eventstore.Any(), event("slow"), nil, []pgstore.Statement{
			{SQL: "INSERT INTO side_effects VALUES (1)"}, {SQL: "SELECT pg_advisory_xact_lock(4242)"}})
		slow <- err
	}()
	awaitWaiters(t, pool, "advisory", 1)
	fast := make(chan error, 1)
	go func() { _, err := store.Append(ctx, "s", eventstore.Any(), event("fast")); fast <- err }()
	select { // the fast append either finishes, or waits for the slow one's version
	case err := <-fast:
		fast <- err
	case <-waitersReached(pool, "transactionid", 1):
	}
	if _, err := gate.Exec(ctx, "SELECT pg_advisory_unlock(4242)"); err != nil {
		t.Fatal(err)
	}
	if err1, err2 := <-slow, <-fast; err1 != nil || err2 != nil {
		t.Fatalf("appends: %v, %v", err1, err2)
	}
	feed := firstOfFeed(t, store, 2)
	if feed[0].StreamVersion != 1 || feed[1].StreamVersion != 2 {
		t.Fatalf("the feed holds versions %v, want 1 then 2", versionsOf(feed))
	}
}

// firstOfFeed subscribes to the feed until it has delivered n events (at
// most 10 s), and returns them in feed order.
func firstOfFeed(t *testing.T, store *pgstore.Store, n int) []eventstore.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []eventstore.RecordedEvent
	enough := errors.New("enough")
	err := store.Subscribe(ctx, eventstore.Position{}, func(_ context.Context, batch []eventstore.RecordedEvent) error {
		if got = append(got, batch...); len(got) >= n {
			return enough
		}
		return nil
	})
	if !errors.Is(err, enough) {
		t.Fatalf("the feed delivered %d events, want %d: %v", len(got), n, err)
	}
	return got
}

// awaitWaiters waits (at most 10 s) until n backends wait for a lock of the
// given type.
func awaitWaiters(t *testing.T, pool *pgxpool.Pool, lockType string, n int) {
	t.Helper()
	select {
	case <-waitersReached(pool, lockType, n):
	case <-time.After(10 * time.Second):
		t.Fatalf("no %d backends waited for a %s lock within 10 s", n, lockType)
	}
}

// waitersReached is closed once n backends wait for a lock of lockType.
func waitersReached(pool *pgxpool.Pool, lockType string, n int) <-chan struct{} {
	reached := make(chan struct{})
	go func() {
		defer close(reached)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			var waiting int
			err := pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = $1", lockType).Scan(&waiting)
			if err == nil && waiting >= n {
				return
			}
			time.Sleep(time.Millisecond) // pg_locks is the condition; it has no notification
		}
	}()
	return reached
}

// storeWithSideEffects is a store on a fresh database with a table,
// side_effects (n int PRIMARY KEY), for the statements sent with appends.
func storeWithSideEffects(t *testing.T) (*pgxpool.Pool, *pgstore.Store) {
	t.Helper()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(context.Background(), "CREATE TABLE side_effects (n int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	return pool, newStore(t, pool, pgstore.Options{})
}
