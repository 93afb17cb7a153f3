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

// An append's preconditions run in its round trip, on every append path: a
// precondition failing with its own SQLSTATE is ErrPreconditionFailed; one
// failing otherwise is an error, not a verdict; either way nothing is stored.
func TestPreconditionsGateTheAppend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := newStore(t, pool, pgstore.Options{})
	holds := eventstore.Precondition{SQL: "SELECT 1 / $1::int", Args: []any{1}, FailsWith: "22012"}
	fails := eventstore.Precondition{SQL: "SELECT 1 / $1::int", Args: []any{0}, FailsWith: "22012"}
	broken := eventstore.Precondition{SQL: "SELECT 1 / $1::int", Args: []any{"x"}, FailsWith: "22012"}
	paths := map[string]func(context.Context, string) error{
		"Append": func(ctx context.Context, s string) error {
			_, err := store.Append(ctx, s, eventstore.Any(), event(s))
			return err
		},
		"AppendWith": func(ctx context.Context, s string) error {
			_, err := store.AppendWith(ctx, s, eventstore.Any(), event(s), nil)
			return err
		},
		"AppendTx": func(ctx context.Context, s string) error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := store.AppendTx(ctx, tx, s, eventstore.Any(), event(s)); err != nil {
				return err
			}
			return tx.Commit(ctx)
		},
	}
	for name, appendOn := range paths {
		if err := appendOn(eventstore.WithPreconditions(ctx, holds), name+"-holds"); err != nil {
			t.Errorf("%s with a precondition that holds: %v", name, err)
		}
		if err := appendOn(eventstore.WithPreconditions(ctx, holds, fails), name+"-fails"); !errors.Is(err, eventstore.ErrPreconditionFailed) {
			t.Errorf("%s with a failing precondition: %v, want ErrPreconditionFailed", name, err)
		}
		if err := appendOn(eventstore.WithPreconditions(ctx, broken), name+"-broken"); err == nil || errors.Is(err, eventstore.ErrPreconditionFailed) {
			t.Errorf("%s with a broken precondition: %v, want an error that is no verdict", name, err)
		}
		for suffix, want := range map[string]int{"-holds": 1, "-fails": 0, "-broken": 0} {
			if got, err := store.ReadStream(ctx, name+suffix, 0, 10); err != nil || len(got) != want {
				t.Errorf("%s%s holds %d events (%v), want %d", name, suffix, len(got), err, want)
			}
		}
	}
}
