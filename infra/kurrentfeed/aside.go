package kurrentfeed

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
)

// An event KurrentDB holds but PostgreSQL refuses as it is — a payload
// whose JSON escapes PostgreSQL cannot decode (\u0000, a lone surrogate),
// which the copy's indexes must read, or a value too large for an index
// entry (a 10 kB stream id or user id) — would otherwise stop the copy, and
// with it every tenant's read models, for good. Roster never writes such
// an event (the domain refuses the text that makes one), but KurrentDB
// takes any writer's. So the copy sets it aside: it keeps its place in the
// feed, with its bytes wrapped as base64 and its schema version 0, which no
// projector decodes — its tenant's read models then stop on it alone
// (projections.TenantFailure), the others go on, and a retry reads the
// event from KurrentDB itself. Nothing is skipped.

// asideSchemaVersion marks an event set aside: no event type has it.
const asideSchemaVersion = 0

// unstorable reports whether err is PostgreSQL refusing a value (SQLSTATE
// class 22, data exception; or 54, a limit, such as a value too large
// for an index entry of the copy), not a failure of the database.
func unstorable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && len(pgErr.Code) == 5 && (pgErr.Code[:2] == "22" || pgErr.Code[:2] == "54")
}

// writeSettingAside is write event by event, setting aside those
// PostgreSQL refuses.
func (in *Ingester) writeSettingAside(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent, pos eventstore.Position) error {
	for _, e := range events {
		if err := in.insertOrSetAside(ctx, tx, e); err != nil {
			return err
		}
	}
	return in.finish(ctx, tx, events, pos)
}

// unstored locks the position row and returns the events of batch after
// it; nil when pos is not after it (copied already).
func unstored(ctx context.Context, tx pgx.Tx, batch []eventstore.RecordedEvent, pos eventstore.Position) ([]eventstore.RecordedEvent, error) {
	var commit, prepare int64
	if err := tx.QueryRow(ctx, `SELECT commit_position, prepare_position FROM kurrent_feed_position FOR UPDATE`).Scan(&commit, &prepare); err != nil {
		return nil, fmt.Errorf("kurrentfeed: lock the ingester's position: %w", err)
	}
	stored := eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
	if pos.Compare(stored) <= 0 {
		return nil, nil
	}
	fresh := batch
	for len(fresh) > 0 && fresh[0].Position.Compare(stored) <= 0 {
		fresh = fresh[1:]
	}
	return append([]eventstore.RecordedEvent{}, fresh...), nil
}

const insertSQL = `INSERT INTO kurrent_feed (commit_position, prepare_position, stream_id, stream_version, event_id,
    event_type, schema_version, payload, metadata, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// insertOrSetAside inserts e, or, when PostgreSQL refuses it, e set aside.
func (in *Ingester) insertOrSetAside(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	e = in.fitted(e)
	nested, err := tx.Begin(ctx) // a savepoint: a refused insert leaves the batch's transaction usable
	if err != nil {
		return fmt.Errorf("kurrentfeed: savepoint: %w", err)
	}
	_, err = nested.Exec(ctx, insertSQL, rowOf(e)...)
	if err == nil {
		return nested.Commit(ctx)
	}
	_ = nested.Rollback(ctx)
	if !unstorable(err) {
		return fmt.Errorf("kurrentfeed: copy event %s: %w", e.ID, err)
	}
	in.logSetAside(e, err)
	if _, err := tx.Exec(ctx, insertSQL, rowOf(setAside(e, err))...); err != nil {
		return fmt.Errorf("kurrentfeed: copy event %s set aside: %w", e.ID, err)
	}
	return nil
}

// setAside is e with its payload and metadata wrapped (base64) and its
// schema version 0: storable, kept whole, and decoded by no projector. Its
// stream and type, which the copy's columns and indexes keep as text, are
// made storable names too (storableName); the originals are wrapped with
// the rest.
func setAside(e eventstore.RecordedEvent, cause error) eventstore.RecordedEvent {
	wrapped, _ := json.Marshal(map[string]any{ // strings and a number only: cannot fail
		"set_aside": cause.Error(), "schema_version": e.SchemaVersion,
		"stream": base64.StdEncoding.EncodeToString([]byte(e.StreamID)), "type": base64.StdEncoding.EncodeToString([]byte(e.Type)),
		"payload": base64.StdEncoding.EncodeToString(e.Payload), "metadata": base64.StdEncoding.EncodeToString(e.Metadata)})
	e.Payload, e.Metadata, e.SchemaVersion = wrapped, []byte(`{}`), asideSchemaVersion
	e.StreamID, e.Type = storableName(e.StreamID), storableName(e.Type)
	return e
}

// maxName is the longest stream id or event type the copy keeps, in
// bytes: Roster's own are under 100, and an index entry holds about 2.7 kB.
const maxName = 512

// storableName is s as the copy can keep a stream id or type: valid UTF-8
// without NUL (each such byte becomes U+FFFD), cut to maxName bytes.
func storableName(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) <= maxName {
		return s
	}
	cut := maxName
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// unfit says why the copy cannot keep e as it is, before PostgreSQL is
// asked: a NUL, invalid UTF-8 or more than maxName bytes in its stream or
// type (PostgreSQL refuses them, but so late that the set-aside event
// would carry them still), or a schema version past PostgreSQL's integer,
// which would wrap to another version that projectors decode. nil when it
// can.
func unfit(e eventstore.RecordedEvent) error {
	switch {
	case storableName(e.StreamID) != e.StreamID:
		return fmt.Errorf("the stream id is not a storable name (NUL, invalid UTF-8 or over %d bytes)", maxName)
	case storableName(e.Type) != e.Type:
		return fmt.Errorf("the event type is not a storable name (NUL, invalid UTF-8 or over %d bytes)", maxName)
	case e.SchemaVersion < 0 || e.SchemaVersion > math.MaxInt32:
		return fmt.Errorf("the schema version %d is outside 0..%d", e.SchemaVersion, math.MaxInt32)
	}
	return nil
}

// fitted is e, or e set aside when unfit says so.
func (in *Ingester) fitted(e eventstore.RecordedEvent) eventstore.RecordedEvent {
	err := unfit(e)
	if err == nil {
		return e
	}
	in.logSetAside(e, err)
	return setAside(e, err)
}

// logSetAside says, loudly, that e is set aside and why.
func (in *Ingester) logSetAside(e eventstore.RecordedEvent, cause error) {
	in.log.Error("KURRENTDB EVENT SET ASIDE: PostgreSQL cannot keep it as it is; its tenant's read models will stop on it, "+
		"the others go on", "event_id", e.ID, "stream", storableName(e.StreamID), "version", e.StreamVersion,
		"type", storableName(e.Type), "error", cause)
}
