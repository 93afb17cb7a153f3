package kurrentfeed

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
)

// An event KurrentDB holds but PostgreSQL refuses as it is — a payload
// whose JSON escapes PostgreSQL cannot decode (\u0000, a lone surrogate),
// which the copy's indexes must read — would otherwise stop the copy, and
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
// class 22, data exception), not a failure of the database.
func unstorable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && len(pgErr.Code) == 5 && pgErr.Code[:2] == "22"
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
	in.log.Error("KURRENTDB EVENT SET ASIDE: PostgreSQL refuses it as it is; its tenant's read models will stop on it, "+
		"the others go on", "event_id", e.ID, "stream", e.StreamID, "version", e.StreamVersion, "type", e.Type, "error", err)
	if _, err := tx.Exec(ctx, insertSQL, rowOf(setAside(e, err))...); err != nil {
		return fmt.Errorf("kurrentfeed: copy event %s set aside: %w", e.ID, err)
	}
	return nil
}

// setAside is e with its payload and metadata wrapped (base64) and its
// schema version 0: storable, kept whole, and decoded by no projector.
func setAside(e eventstore.RecordedEvent, cause error) eventstore.RecordedEvent {
	wrapped, _ := json.Marshal(map[string]any{ // strings only: cannot fail
		"set_aside": cause.Error(), "schema_version": e.SchemaVersion,
		"payload": base64.StdEncoding.EncodeToString(e.Payload), "metadata": base64.StdEncoding.EncodeToString(e.Metadata)})
	e.Payload, e.Metadata, e.SchemaVersion = wrapped, []byte(`{}`), asideSchemaVersion
	return e
}
