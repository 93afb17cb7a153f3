package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgstore"
)

// payload is a typical event body: a user deactivation with its metadata.
var payload = []byte(`{"user":"7d4c2a8e-5b1f-4c39-9e0a-2f6b8d1c3e57","reason":"left the company","handoff":"team_leader"}`)
var metadata = []byte(`{"actor":"0b9f1e2d-3c4a-4b5c-8d6e-7f8091a2b3c4","correlation_id":"5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9","causation_id":"5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"}`)

// plainInsert is the baseline: the same rows into a table of the same shape
// in one autocommit statement (one round trip, like an append), with no
// version check and no notification.
func plainInsert(rows int) string {
	sql := `INSERT INTO bench_plain_events
    (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata, occurred_at) VALUES `
	for i := range rows {
		if i > 0 {
			sql += ", "
		}
		sql += fmt.Sprintf("($1, $%d, $%d, 'UserDeactivated', 1, $2, $3, now())", 4+2*i, 5+2*i)
	}
	return sql
}

func runAppends(ctx context.Context, e *env) ([]result, error) {
	if err := execAll(ctx, e.pool,
		"DROP TABLE IF EXISTS bench_plain_events",
		"CREATE TABLE bench_plain_events (LIKE events INCLUDING ALL)",
	); err != nil {
		return nil, err
	}
	store := pgstore.New(e.pool, pgstore.Options{})
	defer store.Close()
	var results []result
	for _, c := range []struct {
		name             string
		workers, perCall int
		target           string
	}{
		{"single-event appends, 1 writer", 1, 1, "≥ 0.85×"},
		{"single-event appends, 16 writers", 16, 1, "—"},
		{"batches of 10 events, 1 writer", 1, 10, "—"},
	} {
		base, subj, err := compare(ctx, e, c.workers,
			func(round int) operation { return plainAppender(e, streamPrefix(round), c.perCall) },
			func(round int) operation { return storeAppender(store, streamPrefix(round), c.perCall) })
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		results = append(results, result{name: c.name, unit: "events/s", baseline: base, subject: subj, target: c.target})
	}
	return results, nil
}

// streamPrefix names a round's streams so that no round continues another's.
func streamPrefix(round int) string {
	return fmt.Sprintf("%d-%d", time.Now().UnixNano(), round)
}

// plainAppender inserts perCall rows per statement, each worker into its own
// stream.
func plainAppender(e *env, run string, perCall int) operation {
	versions := make([]int64, 64)
	sql := plainInsert(perCall)
	return func(ctx context.Context, w int) (int, error) {
		args := []any{fmt.Sprintf("plain-%s-%d", run, w), payload, metadata}
		for range perCall {
			versions[w]++
			args = append(args, versions[w], uuid.New())
		}
		if _, err := e.pool.Exec(ctx, sql, args...); err != nil {
			return 0, err
		}
		return perCall, nil
	}
}

// storeAppender appends perCall events per call through the adapter, each
// worker to its own stream at its exact expected version.
func storeAppender(store *pgstore.Store, run string, perCall int) operation {
	versions := make([]int64, 64)
	return func(ctx context.Context, w int) (int, error) {
		events := make([]eventstore.NewEvent, perCall)
		for i := range events {
			events[i] = eventstore.NewEvent{ID: uuid.NewString(), Type: "UserDeactivated", SchemaVersion: 1,
				Payload: payload, Metadata: metadata, OccurredAt: time.Now()}
		}
		res, err := store.Append(ctx, fmt.Sprintf("store-%s-%d", run, w), eventstore.Exact(versions[w]), events)
		if err != nil {
			return 0, err
		}
		versions[w] = res.StreamVersion
		return perCall, nil
	}
}
