package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// appendSQL inserts a batch at the end of a stream in one statement (one round
// trip): it reads the stream's head, numbers the batch after it, and inserts
// nothing when $2 >= 0 and the head is not $2. A concurrent append of the same
// version fails on events_stream_version_key.
const appendSQL = `
WITH head AS (
    SELECT coalesce(max(stream_version), 0) AS version FROM events WHERE stream_id = $1
)
INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata, occurred_at)
SELECT $1, head.version + n.ord, n.id::uuid, n.type, n.schema_version, n.payload::json, n.metadata::json, n.occurred_at
FROM head,
     unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::timestamptz[])
         WITH ORDINALITY AS n(id, type, schema_version, payload, metadata, occurred_at, ord)
WHERE $2::bigint < 0 OR head.version = $2
RETURNING transaction_id, position, stream_version`

// anyRetries bounds the retries of an Any append that lost a race for the
// next version number to a concurrent writer.
const anyRetries = 20

// queryer is what an append needs: a pool or a caller's transaction.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Append implements eventstore.Appender in its own transaction. After the
// commit it wakes local subscribers and, coalesced, those of other processes.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent) (eventstore.AppendResult, error) {
	return s.AppendWhileLive(ctx, stream, expected, events, nil)
}

// AppendWhileLive implements eventstore.SessionGuard: it is Append, with
// the sessions of live checked in the same round trip, before the insert
// (see pipeline). The sessions table lives beside the events.
func (s *Store) AppendWhileLive(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	args, err := appendArgs(stream, expected, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	for attempt := 0; ; attempt++ {
		res, err := s.insertChecked(ctx, live, args)
		if err == nil {
			s.announce()
			return res, nil
		}
		if errors.Is(err, eventstore.ErrSessionNotLive) {
			return eventstore.AppendResult{}, fmt.Errorf("pgstore: append %s: %w", stream, err)
		}
		if !isConflict(err) {
			return eventstore.AppendResult{}, fmt.Errorf("pgstore: append %s: %w", stream, pgoutage.Commit(err))
		}
		if prior, found, err := s.priorAppend(ctx, stream, events); err != nil || found {
			return prior, err
		}
		if !expected.IsAny() || attempt == anyRetries {
			return eventstore.AppendResult{}, conflictError(stream, expected, err)
		}
	}
}

// AppendTx appends inside the caller's transaction, so that other writes
// (such as destroying a personal-data key) commit or fail with the events,
// once the sessions of live (none: nil) are checked (AppendWhileLive).
// A conflict aborts tx: the caller rolls back and retries the whole unit.
// Subscribers are notified by NOTIFY when tx commits. A lost connection is
// eventstore.ErrUnavailable: tx can no longer commit (the caller classifies
// its COMMIT with pgoutage.Commit).
func (s *Store) AppendTx(ctx context.Context, tx pgx.Tx, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	args, err := appendArgs(stream, expected, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	for _, l := range live {
		if _, err := tx.Exec(ctx, liveSessionSQL, l.Digest, l.At); err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("pgstore: append %s: %w", stream, pgoutage.Read(liveSessionError(err)))
		}
	}
	res, err := insert(ctx, tx, args)
	if isConflict(err) {
		return res, conflictError(stream, expected, err)
	}
	if err != nil {
		return res, fmt.Errorf("pgstore: append %s: %w", stream, pgoutage.Read(err))
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, '')", notifyChannel); err != nil {
		return res, fmt.Errorf("pgstore: append %s: notify: %w", stream, pgoutage.Read(err))
	}
	return res, nil
}

func appendArgs(stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent) ([]any, error) {
	if stream == "" || len(events) == 0 {
		return nil, fmt.Errorf("pgstore: append %q: a stream id and at least one event are required", stream)
	}
	n := len(events)
	ids, types, payloads, metas := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	schemas, times := make([]int32, n), make([]time.Time, n)
	for i, e := range events {
		ids[i], types[i], schemas[i], times[i] = e.ID, e.Type, int32(e.SchemaVersion), e.OccurredAt
		payloads[i], metas[i] = string(e.Payload), string(e.Metadata)
		if len(e.Metadata) == 0 {
			metas[i] = "{}"
		}
	}
	want := int64(-1)
	if !expected.IsAny() {
		want = expected.Version()
	}
	return []any{stream, want, ids, types, schemas, payloads, metas, times}, nil
}

// insert runs appendSQL; a head that is not the expected one reads as a
// conflict, like a lost race on the unique key.
func insert(ctx context.Context, q queryer, args []any) (eventstore.AppendResult, error) {
	rows, err := q.Query(ctx, appendSQL, args...)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return collectAppend(rows)
}

// insertChecked runs appendSQL after the checks of the sessions of live, if
// any, in one round trip (see pipeline).
func (s *Store) insertChecked(ctx context.Context, live []eventstore.LiveSession, args []any) (eventstore.AppendResult, error) {
	if len(live) == 0 {
		return insert(ctx, s.pool, args)
	}
	return s.pipeline(ctx, live, nil, args)
}

// liveSessionSQL divides by zero (SQLSTATE 22012) unless the session with
// digest $1 is stored and unexpired at $2: plain SQL, since a PL/pgSQL
// function doing the same cost ≈ 40 µs more per command (measured through
// the bench of the HTTP layer). The digest is the key, so the count is 0
// or 1. The sessions table is infra/sessionstore's, beside the events.
const liveSessionSQL = `SELECT 1 / (SELECT count(*)::int FROM sessions WHERE digest = $1 AND expires_at > $2)`

// liveSessionError reads the failure of liveSessionSQL: a division by zero
// is its verdict, the session no longer live; anything else is an error.
func liveSessionError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "22012" {
		return fmt.Errorf("%w: %s", eventstore.ErrSessionNotLive, pgErr.Message)
	}
	return fmt.Errorf("session check: %w", err)
}

// collectAppend reads appendSQL's rows into the append's result.
func collectAppend(rows pgx.Rows) (eventstore.AppendResult, error) {
	var res eventstore.AppendResult
	var n int
	for rows.Next() {
		var tx uint64
		var pos, version int64
		if err := rows.Scan(&tx, &pos, &version); err != nil {
			rows.Close()
			return eventstore.AppendResult{}, err
		}
		n++
		res.StreamVersion = max(res.StreamVersion, version)
		res.Position = eventstore.Position{Commit: tx, Prepare: max(res.Position.Prepare, uint64(pos))}
	}
	if err := rows.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	if n == 0 {
		return res, errHeadMoved
	}
	return res, nil
}

var errHeadMoved = errors.New("stream is not at the expected version")

func isConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, errHeadMoved) || (errors.As(err, &pgErr) && pgErr.Code == "23505")
}

func conflictError(stream string, expected eventstore.ExpectedVersion, cause error) error {
	return fmt.Errorf("pgstore: append %s expecting version %s: %w (%v)", stream, expected, eventstore.ErrVersionConflict, cause)
}

// priorAppend recognises a retried append: every id already stored, in this
// stream, consecutively and in this order. Some ids stored, but not so, is
// ErrEventIDReused; none stored is not found.
func (s *Store) priorAppend(ctx context.Context, stream string, events []eventstore.NewEvent) (eventstore.AppendResult, bool, error) {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	rows, err := s.pool.Query(ctx, `
SELECT e.stream_id, e.stream_version, e.transaction_id, e.position
FROM unnest($1::text[]) WITH ORDINALITY AS want(id, ord)
JOIN events e ON e.event_id = want.id::uuid
ORDER BY want.ord`, ids)
	if err != nil {
		return eventstore.AppendResult{}, false, fmt.Errorf("pgstore: append %s: look up event ids: %w", stream, pgoutage.Read(err))
	}
	defer rows.Close()
	var res eventstore.AppendResult
	var n int
	consecutive := true
	for rows.Next() {
		var got string
		var version, pos int64
		var tx uint64
		if err := rows.Scan(&got, &version, &tx, &pos); err != nil {
			return eventstore.AppendResult{}, false, fmt.Errorf("pgstore: append %s: %w", stream, pgoutage.Read(err))
		}
		consecutive = consecutive && got == stream && (n == 0 || version == res.StreamVersion+1)
		res = eventstore.AppendResult{StreamVersion: version, Position: eventstore.Position{Commit: tx, Prepare: uint64(pos)}}
		n++
	}
	if err := rows.Err(); err != nil {
		return eventstore.AppendResult{}, false, fmt.Errorf("pgstore: append %s: %w", stream, pgoutage.Read(err))
	}
	switch {
	case n == 0:
		return res, false, nil
	case n == len(events) && consecutive:
		return res, true, nil
	}
	return eventstore.AppendResult{}, false, fmt.Errorf("pgstore: append %s: %d of %d event ids already stored elsewhere: %w", stream, n, len(events), eventstore.ErrEventIDReused)
}
