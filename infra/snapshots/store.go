package snapshots

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/infra/pgoutage"
)

var _ execution.SnapshotStore = (*Store)(nil)

// Store keeps snapshots in the snapshots table. It is safe for concurrent use.
// A database out of reach is eventstore.ErrUnavailable (pgoutage.Read).
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store over pool, whose database must be migrated
// (infra/migrations). The pool stays the caller's to close.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

// LoadSnapshot returns the latest snapshot of stream; found is false when the
// stream has none.
func (s *Store) LoadSnapshot(ctx context.Context, stream string) (execution.Snapshot, bool, error) {
	snap := execution.Snapshot{Stream: stream}
	err := s.pool.QueryRow(ctx, `
SELECT stream_version, commit_position, prepare_position, schema_version, data
FROM snapshots WHERE stream_id = $1`, stream).Scan(
		&snap.Version, &snap.Position.Commit, &snap.Position.Prepare, &snap.SchemaVersion, &snap.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return execution.Snapshot{}, false, nil
	}
	if err != nil {
		return execution.Snapshot{}, false, fmt.Errorf("snapshots: load %s: %w", stream, pgoutage.Read(err))
	}
	return snap, true, nil
}

// saveSQL upserts a snapshot unless the stored one is at a later version. At
// the same version a higher schema version wins, so that after a deploy that
// changes the snapshot schema the first replay refreshes the snapshot instead
// of every load replaying until the stream moves on.
const saveSQL = `
INSERT INTO snapshots AS s (stream_id, stream_version, commit_position, prepare_position, schema_version, data)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (stream_id) DO UPDATE SET
    stream_version   = EXCLUDED.stream_version,
    commit_position  = EXCLUDED.commit_position,
    prepare_position = EXCLUDED.prepare_position,
    schema_version   = EXCLUDED.schema_version,
    data             = EXCLUDED.data,
    taken_at         = now()
WHERE (s.stream_version, s.schema_version) < (EXCLUDED.stream_version, EXCLUDED.schema_version)`

// SaveSnapshot stores snap unless the stream's stored snapshot is at a later
// version (or at the same version with the same or a later schema version);
// being refused that way is not an error. snap.Version must be positive and
// snap.Data not nil.
func (s *Store) SaveSnapshot(ctx context.Context, snap execution.Snapshot) error {
	if snap.Data == nil {
		return fmt.Errorf("snapshots: save %s: no data", snap.Stream)
	}
	_, err := s.pool.Exec(ctx, saveSQL, snap.Stream, snap.Version,
		snap.Position.Commit, snap.Position.Prepare, snap.SchemaVersion, snap.Data)
	if err != nil {
		return fmt.Errorf("snapshots: save %s: %w", snap.Stream, pgoutage.Read(err))
	}
	return nil
}
