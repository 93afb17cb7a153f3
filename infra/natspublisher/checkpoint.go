package natspublisher

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
)

// checkpointTable holds, per stream name, the position of the last row
// published to that stream and acknowledged (migration 00015).
const checkpointTable = "nats_publisher_checkpoints"

// loadCheckpoint is where publishing to stream resumes: the zero position
// (the start of the log) for a stream never published to.
func loadCheckpoint(ctx context.Context, pool *pgxpool.Pool, stream string) (eventstore.Position, error) {
	var at eventstore.Position
	err := pool.QueryRow(ctx, `SELECT position_commit, position_prepare FROM `+checkpointTable+` WHERE stream = $1`,
		stream).Scan(&at.Commit, &at.Prepare)
	if err == pgx.ErrNoRows {
		return eventstore.Position{}, nil
	}
	if err != nil {
		return at, fmt.Errorf("natspublisher: load the checkpoint of %s: %w", stream, err)
	}
	return at, nil
}

// storeCheckpoint records that every row up to at reached stream. It never
// moves a checkpoint back, so a publisher that lags behind another (two
// processes for a moment) cannot undo the other's progress.
func storeCheckpoint(ctx context.Context, pool *pgxpool.Pool, stream string, at eventstore.Position) error {
	_, err := pool.Exec(ctx, `INSERT INTO `+checkpointTable+` AS c (stream, position_commit, position_prepare)
VALUES ($1, $2::numeric, $3::numeric)
ON CONFLICT (stream) DO UPDATE SET position_commit = excluded.position_commit,
    position_prepare = excluded.position_prepare, updated_at = now()
WHERE (c.position_commit, c.position_prepare) < (excluded.position_commit, excluded.position_prepare)`,
		stream, at.Commit, at.Prepare)
	if err != nil {
		return fmt.Errorf("natspublisher: store the checkpoint of %s at %s: %w", stream, at, err)
	}
	return nil
}
