package publicevents

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Querier runs the log's queries (a pool, a connection or a transaction).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Filter selects a page of the log: told after After (the zero position:
// from the start), of Tenant ("": every tenant), of Types (none: all),
// at or after Since (the retention's start), at most Limit.
type Filter struct {
	Tenant domain.TenantID
	After  eventstore.Position
	Types  []string
	Since  time.Time
	Limit  int
}

// Told is one public event of the log: where the feed told it, and its
// CloudEvents document.
type Told struct {
	Position eventstore.Position
	Body     json.RawMessage
}

// Page reads the public events f selects, in the feed's order. It reads
// only complete rows: the one incomplete row there can be is the last, so
// no complete row will ever appear before what a page returned.
func Page(ctx context.Context, db Querier, f Filter) ([]Told, error) {
	var types []string
	if len(f.Types) > 0 {
		types = f.Types
	}
	// One tenant's page walks the primary key, every tenant's the feed
	// index: two statements, so that each gets its own plan.
	scope := "tenant_id = $1"
	if f.Tenant == "" {
		scope = "$1 = '' AND " + NoHeldTenantBefore(Table)
	}
	rows, err := db.Query(ctx, fmt.Sprintf(`SELECT position_commit, position_prepare, body FROM %s
WHERE %s AND (position_commit, position_prepare) > ($2, $3)
  AND remaining = 0 AND ($4::text[] IS NULL OR type = ANY($4)) AND at >= $5
ORDER BY position_commit, position_prepare LIMIT $6`, Table, scope),
		string(f.Tenant), f.After.Commit, f.After.Prepare, types, f.Since, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("publicevents: page: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Told, error) {
		var t Told
		var body []byte
		err := row.Scan(&t.Position.Commit, &t.Position.Prepare, &body)
		t.Body = body
		return t, err
	})
}

// Known reports whether typ is a public event type.
func Known(typ string) bool { return slices.Contains(Types, typ) }

// pruneBatch bounds one DELETE of Prune, so that pruning a backlog never
// holds one long transaction.
const pruneBatch = 10_000

// Prune deletes the told public events older than before, and returns how
// many. It never deletes a command still being told.
func Prune(ctx context.Context, db interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}, before time.Time) (int64, error) {
	var total int64
	for {
		tag, err := db.Exec(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM %[1]s WHERE at < $1 AND remaining = 0 LIMIT %[2]d))`, Table, pruneBatch), before)
		if err != nil {
			return total, fmt.Errorf("publicevents: prune: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}

// NoHeldTenantBefore is the condition, on a row of the log aliased alias,
// that no tenant is held back at or before it: the projector's failures
// (projection_failures) hold a tenant's events back from the failed one
// on, and a retry later tells them at their own, earlier positions. A
// reader of every tenant in one order (the operator's pull feed, webhook
// fan-out, the NATS publisher) that went past such a position would never
// see them; with this condition it waits there until the retry has told
// them. (One tenant's reader is refused meanwhile: projection_failed.)
func NoHeldTenantBefore(alias string) string {
	return fmt.Sprintf(`NOT EXISTS (SELECT 1 FROM projection_failures f WHERE f.projection = '%s'
    AND (f.commit_position, f.prepare_position) <= (%[2]s.position_commit, %[2]s.position_prepare))`, Table, alias)
}
