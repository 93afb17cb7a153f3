package pgoutage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgoutage"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var bg = context.Background()

// connectThrough opens a connection to a fresh database through a proxy
// the test can break, with a table "kept" to write to.
func connectThrough(t *testing.T) (*pgtest.Proxy, *pgx.Conn, string) {
	t.Helper()
	direct := pgtest.NewDatabase(t)
	proxy, url := pgtest.NewProxy(t, direct)
	conn, err := pgx.Connect(bg, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(bg) })
	if _, err := conn.Exec(bg, "CREATE TABLE kept (n int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	return proxy, conn, direct
}

// classifiedAs fails unless classify(err) wraps want (nil: is err itself).
func classifiedAs(t *testing.T, what string, classify func(error) error, err, want error) {
	t.Helper()
	got := classify(err)
	switch {
	case want == nil && got != err:
		t.Errorf("%s: %v became %v, want it unchanged", what, err, got)
	case want != nil && !errors.Is(got, want):
		t.Errorf("%s: %v classified as %v, want %v", what, err, got, want)
	}
}

func TestAConnectionThatCannotBeMadeIsUnavailableForReadsAndWrites(t *testing.T) {
	t.Parallel()
	proxy, url := pgtest.NewProxy(t, pgtest.NewDatabase(t))
	proxy.Down()
	_, err := pgx.Connect(bg, url)
	if err == nil {
		t.Fatal("connected through a proxy that is down")
	}
	classifiedAs(t, "read", pgoutage.Read, err, eventstore.ErrUnavailable)
	classifiedAs(t, "commit", pgoutage.Commit, err, eventstore.ErrUnavailable)
}

// The case the outage finding was about: the server committed, the reply
// was lost. Such a write is never "unavailable" (nothing stored).
func TestAWriteWhoseReplyWasLostHasAnUnknownOutcomeAndMayBeStored(t *testing.T) {
	t.Parallel()
	proxy, conn, direct := connectThrough(t)
	proxy.LoseReplyTo("INSERT INTO kept")
	_, err := conn.Exec(bg, "INSERT INTO kept VALUES (1)")
	if err == nil {
		t.Fatal("the insert answered though its reply was lost")
	}
	classifiedAs(t, "commit", pgoutage.Commit, err, eventstore.ErrOutcomeUnknown)
	classifiedAs(t, "read", pgoutage.Read, err, eventstore.ErrUnavailable)
	var stored int
	check, err := pgx.Connect(bg, direct)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close(bg)
	if err := check.QueryRow(bg, "SELECT count(*) FROM kept").Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("the insert whose reply was lost stored %d rows (%v), want 1", stored, err)
	}
}

// With arguments, pgx sends a statement by the extended protocol, prepared
// and cached; a pipeline (pgx.Batch) is how appends travel with their
// preconditions. Both lose their reply the same way.
func TestAPreparedStatementOrAPipelineWhoseReplyWasLostHasAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	proxy, conn, _ := connectThrough(t)
	if _, err := conn.Exec(bg, "INSERT INTO kept VALUES ($1)", 1); err != nil { // prepared and cached now
		t.Fatal(err)
	}
	proxy.LoseReplyTo("\x00\x12\xd6\x87") // in the Bind of 1234567, an int4 sent in binary
	_, err := conn.Exec(bg, "INSERT INTO kept VALUES ($1)", 1234567)
	classifiedAs(t, "a prepared statement", pgoutage.Commit, err, eventstore.ErrOutcomeUnknown)

	proxy, conn, _ = connectThrough(t)
	proxy.LoseReplyTo("INSERT INTO kept VALUES (3)")
	batch := &pgx.Batch{}
	batch.Queue("SELECT 1")
	batch.Queue("INSERT INTO kept VALUES (3)")
	err = conn.SendBatch(bg, batch).Close()
	classifiedAs(t, "a pipeline", pgoutage.Commit, err, eventstore.ErrOutcomeUnknown)
}

func TestTheServerEndingTheSessionMidStatementIsAnOutage(t *testing.T) {
	t.Parallel()
	_, conn, _ := connectThrough(t)
	_, err := conn.Exec(bg, "SELECT pg_terminate_backend(pg_backend_pid())")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57P01" {
		t.Fatalf("terminating the session answered %v, want SQLSTATE 57P01", err)
	}
	classifiedAs(t, "commit", pgoutage.Commit, err, eventstore.ErrOutcomeUnknown)
	classifiedAs(t, "read", pgoutage.Read, err, eventstore.ErrUnavailable)
}

func TestRefusalsCancellationsAndClassifiedErrorsAreLeftAsTheyAre(t *testing.T) {
	t.Parallel()
	_, conn, _ := connectThrough(t)
	if _, err := conn.Exec(bg, "INSERT INTO kept VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, duplicate := conn.Exec(bg, "INSERT INTO kept VALUES (1)")
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	_, gaveUp := conn.Exec(cancelled, "SELECT 1")
	unavailable := fmt.Errorf("%w: PostgreSQL restarting", eventstore.ErrUnavailable)
	for what, err := range map[string]error{"a unique violation": duplicate, "the caller's cancellation": gaveUp,
		"no error": nil, "an error classified already": unavailable} {
		classifiedAs(t, what+" read", pgoutage.Read, err, nil)
		classifiedAs(t, what+" committed", pgoutage.Commit, err, nil)
	}
}
