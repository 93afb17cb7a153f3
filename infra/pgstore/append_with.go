package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// Statement is a statement to run with an append (see AppendWith).
type Statement struct {
	SQL  string
	Args []any
}

// ErrStatementFailed wraps the failure of one of AppendWith's statements:
// nothing of the append was stored.
var ErrStatementFailed = errors.New("pgstore: a statement sent with the append failed")

// AppendWith appends like AppendWhileLive (live: nil for none), and runs
// the statements of with after the events, in the same pipeline: they and the events are one implicit
// transaction (committed together, with one round trip and one WAL flush)
// or nothing at all. A failing statement of with is reported wrapped in
// ErrStatementFailed; a version conflict as ErrVersionConflict. Unlike
// Append it does not retry Any appends nor recognise re-appended ids:
// callers fall back to Append.
//
// The events go first because a transaction's id, which orders the feed,
// is assigned at its first write: were a statement of with to write first,
// another append could take the stream's next version, commit, and still
// come after these events in the feed — feed order would then contradict
// stream order, which projections (and a retry reading one stream) rely on.
func (s *Store) AppendWith(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent, live []eventstore.LiveSession, with []Statement) (eventstore.AppendResult, error) {
	args, err := appendArgs(stream, expected, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	res, err := s.pipeline(ctx, live, with, args)
	switch {
	case errors.Is(err, ErrStatementFailed), errors.Is(err, eventstore.ErrSessionNotLive):
		return eventstore.AppendResult{}, err
	case isConflict(err):
		return eventstore.AppendResult{}, conflictError(stream, expected, err)
	case err != nil:
		return eventstore.AppendResult{}, fmt.Errorf("pgstore: append %s: %w", stream, err)
	}
	s.announce()
	return res, nil
}

// appendedGuardSQL fails (division_by_zero) when this transaction stored no
// event: appendSQL answers a moved head with no rows rather than an error,
// which in a pipeline would let the statements after it commit. The
// aggregate always yields one row, so the division is always evaluated;
// only the append writes events here, so the transaction id alone (the
// key's leading column) finds them, at a cost independent of the stream's
// length.
const appendedGuardSQL = `SELECT 1 / count(*)::int FROM events WHERE transaction_id = pg_current_xact_id_if_assigned()`

// pipeline sends the checks of the sessions of live, appendSQL, then, when there are
// statements in with, appendedGuardSQL and those statements, in one round
// trip: a pipeline, which PostgreSQL runs as one implicit transaction, so
// a failure of any stores nothing. A lost connection is classified as the
// whole pipeline's (pgoutage.Commit), never as the failure of one
// statement: the implicit transaction may have committed before the
// replies were lost.
func (s *Store) pipeline(ctx context.Context, live []eventstore.LiveSession, with []Statement, args []any) (eventstore.AppendResult, error) {
	batch := &pgx.Batch{}
	for _, l := range live {
		batch.Queue(liveSessionSQL, l.Digest, l.At)
	}
	batch.Queue(appendSQL, args...)
	if len(with) > 0 {
		batch.Queue(appendedGuardSQL)
	}
	for _, st := range with {
		batch.Queue(st.SQL, st.Args...)
	}
	results := s.pool.SendBatch(ctx, batch)
	res, err := readPipeline(results, len(live), len(with))
	if closeErr := results.Close(); err == nil && closeErr != nil {
		err = closeErr
	}
	return res, pgoutage.Commit(err)
}

func readPipeline(results pgx.BatchResults, live, with int) (eventstore.AppendResult, error) {
	for range live {
		if _, err := results.Exec(); err != nil {
			return eventstore.AppendResult{}, liveSessionError(err)
		}
	}
	rows, err := results.Query()
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	res, err := collectAppend(rows)
	if with == 0 || err != nil {
		return res, err
	}
	if _, guardErr := results.Exec(); guardErr != nil {
		var pgErr *pgconn.PgError
		if errors.As(guardErr, &pgErr) && pgErr.Code == "22012" {
			return eventstore.AppendResult{}, errHeadMoved
		}
		return eventstore.AppendResult{}, guardErr
	}
	for i := range with {
		if _, err := results.Exec(); err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("%w: statement %d: %w", ErrStatementFailed, i+1, err)
		}
	}
	return res, nil
}
