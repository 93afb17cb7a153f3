package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
)

// checkpointsSchema is the one table every projector's progress lives in:
// where it is in the feed, and whether it has stopped on a poison event.
const checkpointsSchema = `CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name             text PRIMARY KEY,
    commit_position  numeric(20) NOT NULL DEFAULT 0,
    prepare_position numeric(20) NOT NULL DEFAULT 0,
    events           bigint      NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    failed_at        timestamptz,
    error            text
)`

// setupLockKey serialises Setup across processes: concurrent CREATE TABLE
// IF NOT EXISTS of one table can still collide in the catalog.
const setupLockKey = 7_242_033

// Setup creates the checkpoint, rebuild and failure tables, each projector's tables and its
// checkpoint row (at the start of the feed), all idempotently, in one
// transaction.
func Setup(ctx context.Context, pool *pgxpool.Pool, projectors ...Projector) error {
	statements := []string{checkpointsSchema, rebuildsSchema, failuresSchema}
	for _, p := range projectors {
		statements = append(statements, p.Schema()...)
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", setupLockKey); err != nil {
			return fmt.Errorf("projections: setup: %w", err)
		}
		for _, sql := range statements {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return fmt.Errorf("projections: setup: %w", err)
			}
		}
		for _, p := range projectors {
			_, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING`, p.Name())
			if err != nil {
				return fmt.Errorf("projections: setup %s: %w", p.Name(), err)
			}
		}
		return nil
	})
}

// Checkpoint is a projector's stored progress.
type Checkpoint struct {
	Position eventstore.Position
	Events   int64  // events applied since the projection began
	Error    string // why it stopped, when it failed on an event
}

// LoadCheckpoint reads the named projector's checkpoint.
func LoadCheckpoint(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, name string) (Checkpoint, error) {
	var c Checkpoint
	var errText *string
	err := q.QueryRow(ctx, `SELECT commit_position, prepare_position, events, error
FROM projection_checkpoints WHERE name = $1`, name).Scan(&c.Position.Commit, &c.Position.Prepare, &c.Events, &errText)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("projections: checkpoint of %s: %w", name, err)
	}
	if errText != nil {
		c.Error = *errText
	}
	return c, nil
}

// RecordFailure marks the projector as stopped on an event, with the error.
// The failure is cleared by the next batch that applies.
func RecordFailure(ctx context.Context, pool *pgxpool.Pool, name string, cause error) error {
	_, err := pool.Exec(ctx, `UPDATE projection_checkpoints SET failed_at = now(), error = $2 WHERE name = $1`, name, cause.Error())
	return err
}
