package pgstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestAppendWithCommitsTheStatementsAndTheEventsTogetherOrNeither(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := newStore(t, pool, pgstore.Options{})
	if _, err := pool.Exec(ctx, "CREATE TABLE side_effects (n int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	insert := func(n int) []pgstore.Statement {
		return []pgstore.Statement{{SQL: "INSERT INTO side_effects VALUES ($1)", Args: []any{n}}}
	}
	if _, err := store.AppendWith(ctx, "s", eventstore.NoStream(), event("one"), insert(1)); err != nil {
		t.Fatal(err)
	}
	// The append conflicts: the statement's row must not stay.
	if _, err := store.AppendWith(ctx, "s", eventstore.NoStream(), event("two"), insert(2)); !errors.Is(err, eventstore.ErrVersionConflict) {
		t.Fatalf("got %v, want a version conflict", err)
	}
	// The statement fails: no event may be stored.
	if _, err := store.AppendWith(ctx, "s", eventstore.Exact(1), event("three"), insert(1)); !errors.Is(err, pgstore.ErrStatementFailed) {
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
