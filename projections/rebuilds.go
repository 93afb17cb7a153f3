package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// rebuildsSchema keeps each read model's last rebuild in the database, not
// in a process: a killed rebuild resumes from its row and the suffixed
// projector's checkpoint, every process can show its progress, and the
// process that runs the live projectors picks up a rebuild any other
// process (the CLI, the API of a standby) asked for.
const rebuildsSchema = `CREATE TABLE IF NOT EXISTS projection_rebuilds (
    name         text        PRIMARY KEY,
    suffix       text        NOT NULL,
    state        text        NOT NULL,
    verify       boolean     NOT NULL DEFAULT false,
    swap         boolean     NOT NULL DEFAULT true,
    requested_at timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    differences  text,
    error        text
)`

// ReadModel is a read model as a rebuild sees it: its live projector, and
// the same projector into tables named with a suffix, built beside the live
// ones.
type ReadModel struct {
	Live     Projector
	Suffixed func(suffix string) Projector
}

// RebuildSuffix names the tables a rebuild builds beside the live ones
// (users_v2 → users_v2_rebuild) until the swap gives them the live names.
const RebuildSuffix = "_rebuild"

// The states of a rebuild. Requested, Rebuilding and Swapping are pending:
// the projectors' process works on them until they are Done or Failed.
const (
	RebuildRequested  = "requested"  // asked for; nothing built yet
	RebuildRebuilding = "rebuilding" // the suffixed tables are being built
	RebuildDone       = "done"       // swapped in (or, without swap, compared and dropped)
	RebuildFailed     = "failed"     // stopped on an error, which Error says
)

// Rebuild is a read model's rebuild as stored.
type Rebuild struct {
	Name        string // the live projection rebuilt
	Suffix      string
	State       string
	Verify      bool // compare the rebuilt tables with the live ones before the swap
	Swap        bool // swap them in; false: compare, then drop them (a standalone check)
	RequestedAt time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
	Differences *string // after a comparison: "" when identical
	Error       string
	EventsDone  int64 // events the rebuilt projector has applied
}

// Pending reports whether the rebuild is still to be finished.
func (r Rebuild) Pending() bool { return r.State != RebuildDone && r.State != RebuildFailed }

// RebuildOptions is what a rebuild request asks for besides the read model.
type RebuildOptions struct {
	Verify bool
	NoSwap bool
}

// DB is what the rebuild functions run on: a pool, a connection or a transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// RequestRebuild asks for a rebuild of the named projection and returns it.
// A pending rebuild of it is returned as it is (asking twice starts one
// rebuild); a finished one is replaced by the new request.
func RequestRebuild(ctx context.Context, db DB, name string, opts RebuildOptions) (Rebuild, error) {
	_, err := db.Exec(ctx, `INSERT INTO projection_rebuilds (name, suffix, state, verify, swap) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state, verify = EXCLUDED.verify, swap = EXCLUDED.swap,
    requested_at = now(), started_at = NULL, finished_at = NULL, differences = NULL, error = NULL
WHERE projection_rebuilds.state IN ($6, $7)`,
		name, RebuildSuffix, RebuildRequested, opts.Verify || opts.NoSwap, !opts.NoSwap, RebuildDone, RebuildFailed)
	if err != nil {
		return Rebuild{}, fmt.Errorf("projections: request a rebuild of %s: %w", name, err)
	}
	return LoadRebuild(ctx, db, name)
}

// ErrNoRebuild is returned by LoadRebuild for a projection never rebuilt.
var ErrNoRebuild = errors.New("projections: no rebuild")

const selectRebuilds = `SELECT r.name, r.suffix, r.state, r.verify, r.swap, r.requested_at, r.started_at, r.finished_at,
    r.differences, coalesce(r.error, ''), coalesce(c.events, 0)
FROM projection_rebuilds r LEFT JOIN projection_checkpoints c ON c.name = r.name || r.suffix`

// LoadRebuild reads the named projection's rebuild.
func LoadRebuild(ctx context.Context, db DB, name string) (Rebuild, error) {
	rebuilds, err := queryRebuilds(ctx, db, selectRebuilds+` WHERE r.name = $1`, name)
	if err != nil {
		return Rebuild{}, err
	}
	if len(rebuilds) == 0 {
		return Rebuild{}, fmt.Errorf("%w of %s", ErrNoRebuild, name)
	}
	return rebuilds[0], nil
}

// LoadRebuilds reads every projection's last rebuild, by name.
func LoadRebuilds(ctx context.Context, db DB) ([]Rebuild, error) {
	return queryRebuilds(ctx, db, selectRebuilds+` ORDER BY r.name`)
}

func queryRebuilds(ctx context.Context, db DB, sql string, args ...any) ([]Rebuild, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("projections: rebuilds: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Rebuild, error) {
		var r Rebuild
		err := row.Scan(&r.Name, &r.Suffix, &r.State, &r.Verify, &r.Swap, &r.RequestedAt, &r.StartedAt, &r.FinishedAt,
			&r.Differences, &r.Error, &r.EventsDone)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("projections: rebuilds: %w", err)
	}
	return out, nil
}

// StartRebuild (in a transaction: db is one) begins a requested rebuild afresh: whatever a rebuild that
// failed or was abandoned left in the suffixed tables is dropped, with its
// checkpoint, and the tables are created empty at the start of the feed. A
// rebuild already under way is left alone: it resumes from its checkpoint.
func StartRebuild(ctx context.Context, db DB, r Rebuild, rebuilt Projector) error {
	if r.State != RebuildRequested {
		return nil
	}
	if err := dropTables(ctx, db, rebuilt); err != nil {
		return err
	}
	if err := setupIn(ctx, db, rebuilt); err != nil {
		return err
	}
	_, err := db.Exec(ctx, `UPDATE projection_rebuilds SET state = $2, started_at = now() WHERE name = $1 AND state = $3`,
		r.Name, RebuildRebuilding, RebuildRequested)
	if err != nil {
		return fmt.Errorf("projections: start the rebuild of %s: %w", r.Name, err)
	}
	return nil
}

// setupIn creates p's tables and checkpoint row with db (Setup's work for one
// projector, inside the caller's transaction).
func setupIn(ctx context.Context, db DB, p Projector) error {
	if _, err := db.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", setupLockKey); err != nil {
		return fmt.Errorf("projections: set up %s: %w", p.Name(), err)
	}
	for _, sql := range append([]string{checkpointsSchema, failuresSchema}, p.Schema()...) {
		if _, err := db.Exec(ctx, sql); err != nil {
			return fmt.Errorf("projections: set up %s: %w", p.Name(), err)
		}
	}
	_, err := db.Exec(ctx, `INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING`, p.Name())
	return err
}

// dropTables drops p's tables, checkpoint row and tenant failures, if any.
func dropTables(ctx context.Context, db DB, p Projector) error {
	for _, table := range p.Tables() {
		if _, err := db.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize()); err != nil {
			return fmt.Errorf("projections: drop %s: %w", table, err)
		}
	}
	if _, err := db.Exec(ctx, `DELETE FROM projection_failures WHERE projection = $1`, p.Name()); err != nil {
		return fmt.Errorf("projections: drop the failures of %s: %w", p.Name(), err)
	}
	_, err := db.Exec(ctx, `DELETE FROM projection_checkpoints WHERE name = $1`, p.Name())
	return err
}

// FailRebuild records why a rebuild stopped; a new request starts it afresh.
func FailRebuild(ctx context.Context, db DB, name string, cause error) error {
	_, err := db.Exec(ctx, `UPDATE projection_rebuilds SET state = $2, finished_at = now(), error = $3 WHERE name = $1`,
		name, RebuildFailed, cause.Error())
	return err
}

// RecordDifferences stores the outcome of comparing the rebuilt tables with
// the live ones ("" when identical).
func RecordDifferences(ctx context.Context, db DB, name string, differences string) error {
	_, err := db.Exec(ctx, `UPDATE projection_rebuilds SET differences = $2 WHERE name = $1`, name, differences)
	return err
}
