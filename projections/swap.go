package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
)

// ErrNotAligned is returned by SwapTables when the rebuilt projection is not
// at the live one's checkpoint: swapping then would lose or repeat events.
var ErrNotAligned = errors.New("projections: the rebuilt projection is not at the live one's position")

// SwapTables finishes rebuild r in tx: with a swap, live's tables are
// dropped and rebuilt's (tables and indexes) take their names, and the live
// checkpoint takes over the rebuilt one's count; without, the rebuilt tables
// are dropped. Either way the rebuild is marked done in the same
// transaction, so a crash leaves it either wholly before or wholly after.
//
// Both projectors must be stopped and at the same position: the live
// checkpoint row is locked and compared first.
func SwapTables(ctx context.Context, tx pgx.Tx, r Rebuild, live, rebuilt Projector) error {
	if err := lockTables(ctx, tx, live, rebuilt); err != nil {
		return err
	}
	if err := sameCheckpoint(ctx, tx, live, rebuilt); err != nil {
		return err
	}
	if r.Swap {
		if err := renameOver(ctx, tx, live, rebuilt); err != nil {
			return err
		}
	} else if err := dropTables(ctx, tx, rebuilt); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE projection_rebuilds SET state = $2, finished_at = now(), error = NULL WHERE name = $1`, r.Name, RebuildDone)
	if err != nil {
		return fmt.Errorf("projections: finish the rebuild of %s: %w", r.Name, err)
	}
	return nil
}

// lockTables takes both projectors' tables before their checkpoint rows,
// the order a batch takes them in (its reads of its tables come before it
// locks its checkpoint). Locking the checkpoints first let a batch still in
// flight hold a table the swap then waited for, while it waited for the
// checkpoint the swap held: PostgreSQL ended the swap as a deadlock (seen
// once in the rebuild bench, on audit_v2_rebuild).
func lockTables(ctx context.Context, tx pgx.Tx, live, rebuilt Projector) error {
	rows, err := tx.Query(ctx, `SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(quote_ident(t)) IS NOT NULL`,
		append(live.Tables(), rebuilt.Tables()...))
	if err != nil {
		return fmt.Errorf("projections: tables of %s: %w", live.Name(), err)
	}
	existing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(existing) == 0 {
		return err
	}
	names := make([]string, len(existing))
	for i, t := range existing {
		names[i] = pgx.Identifier{t}.Sanitize()
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("projections: lock the tables of %s: %w", live.Name(), err)
	}
	return nil
}

// sameCheckpoint locks both checkpoint rows and checks they are at one position.
func sameCheckpoint(ctx context.Context, tx pgx.Tx, live, rebuilt Projector) error {
	rows, err := tx.Query(ctx, `SELECT commit_position, prepare_position FROM projection_checkpoints
WHERE name = ANY($1) ORDER BY name FOR UPDATE`, []string{live.Name(), rebuilt.Name()})
	if err != nil {
		return fmt.Errorf("projections: lock the checkpoints of %s: %w", live.Name(), err)
	}
	positions, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (eventstore.Position, error) {
		var p eventstore.Position
		return p, row.Scan(&p.Commit, &p.Prepare)
	})
	if err != nil {
		return fmt.Errorf("projections: lock the checkpoints of %s: %w", live.Name(), err)
	}
	if len(positions) != 2 || positions[0] != positions[1] {
		return fmt.Errorf("%w: %s, %s: %v", ErrNotAligned, live.Name(), rebuilt.Name(), positions)
	}
	return nil
}

// renameOver drops live's tables and gives rebuilt's tables, their indexes
// (and so their constraints) live's names, then moves the checkpoint.
func renameOver(ctx context.Context, tx pgx.Tx, live, rebuilt Projector) error {
	liveTables, rebuiltTables := live.Tables(), rebuilt.Tables()
	for i, table := range liveTables {
		if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize()); err != nil {
			return fmt.Errorf("projections: swap: drop %s: %w", table, err)
		}
		if err := renameIndexes(ctx, tx, rebuiltTables[i], table); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s RENAME TO %s",
			pgx.Identifier{rebuiltTables[i]}.Sanitize(), pgx.Identifier{table}.Sanitize())); err != nil {
			return fmt.Errorf("projections: swap: rename %s: %w", rebuiltTables[i], err)
		}
	}
	_, err := tx.Exec(ctx, `UPDATE projection_checkpoints l SET events = r.events, updated_at = now(), failed_at = NULL, error = NULL
FROM projection_checkpoints r WHERE l.name = $1 AND r.name = $2`, live.Name(), rebuilt.Name())
	if err == nil {
		_, err = tx.Exec(ctx, `DELETE FROM projection_checkpoints WHERE name = $1`, rebuilt.Name())
	}
	if err != nil {
		return fmt.Errorf("projections: swap: move the checkpoint of %s: %w", live.Name(), err)
	}
	return moveFailures(ctx, tx, live, rebuilt)
}

// moveFailures gives the live projection the rebuilt one's tenant failures
// in place of its own: a rebuild clears a failure whose cause is gone, and
// keeps (with the rebuilt tables) the one whose cause is not.
func moveFailures(ctx context.Context, tx pgx.Tx, live, rebuilt Projector) error {
	_, err := tx.Exec(ctx, `DELETE FROM projection_failures WHERE projection = $1`, live.Name())
	if err == nil {
		_, err = tx.Exec(ctx, `UPDATE projection_failures SET projection = $1 WHERE projection = $2`, live.Name(), rebuilt.Name())
	}
	if err != nil {
		return fmt.Errorf("projections: swap: move the failures of %s: %w", live.Name(), err)
	}
	return nil
}

// renameIndexes renames table's indexes named after it (every index a
// Schema creates is: <table>_status, <table>_pkey) to be named after newName,
// so that the swapped-in table answers to the live Schema's names.
func renameIndexes(ctx context.Context, tx pgx.Tx, table, newName string) error {
	rows, err := tx.Query(ctx, `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = $1::regclass`, pgx.Identifier{table}.Sanitize())
	if err != nil {
		return fmt.Errorf("projections: swap: indexes of %s: %w", table, err)
	}
	indexes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("projections: swap: indexes of %s: %w", table, err)
	}
	for _, index := range indexes {
		rest, ok := strings.CutPrefix(index, table)
		if !ok {
			continue
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER INDEX %s RENAME TO %s",
			pgx.Identifier{index}.Sanitize(), pgx.Identifier{newName + rest}.Sanitize())); err != nil {
			return fmt.Errorf("projections: swap: rename index %s: %w", index, err)
		}
	}
	return nil
}

// TableDifference is how two copies of one read model table differ.
type TableDifference struct {
	Table   string // the live table
	Rows    int64  // in the live table
	Missing int64  // rows of the rebuilt table the live one lacks
	Extra   int64  // rows of the live table the rebuilt one lacks
}

// CompareTables compares live's tables with rebuilt's, row for row (as
// multisets: EXCEPT ALL both ways), and returns the tables that differ.
// Both must be at one position for the answer to mean anything.
func CompareTables(ctx context.Context, db DB, live, rebuilt Projector) ([]TableDifference, error) {
	var out []TableDifference
	rebuiltTables := rebuilt.Tables()
	for i, table := range live.Tables() {
		d := TableDifference{Table: table}
		l, r := pgx.Identifier{table}.Sanitize(), pgx.Identifier{rebuiltTables[i]}.Sanitize()
		err := db.QueryRow(ctx, fmt.Sprintf(`SELECT
    (SELECT count(*) FROM %[1]s),
    (SELECT count(*) FROM (SELECT * FROM %[2]s EXCEPT ALL SELECT * FROM %[1]s) m),
    (SELECT count(*) FROM (SELECT * FROM %[1]s EXCEPT ALL SELECT * FROM %[2]s) x)`, l, r)).Scan(&d.Rows, &d.Missing, &d.Extra)
		if err != nil {
			return nil, fmt.Errorf("projections: compare %s with %s: %w", table, rebuiltTables[i], err)
		}
		if d.Missing != 0 || d.Extra != 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// DescribeDifferences renders differences for people ("" when there are none).
func DescribeDifferences(differences []TableDifference) string {
	parts := make([]string, len(differences))
	for i, d := range differences {
		parts[i] = fmt.Sprintf("%s: %d rows, %d rows of the rebuild missing, %d rows not in the rebuild", d.Table, d.Rows, d.Missing, d.Extra)
	}
	return strings.Join(parts, "; ")
}
