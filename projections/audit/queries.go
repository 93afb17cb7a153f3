package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/users"
)

// OperatorName is the name shown for actions of the operator or of Roster
// itself ("system"), which have no user id.
const OperatorName = "Operator"

// Page sizes: a Limit below 1 means DefaultLimit, above MaxLimit means MaxLimit.
const (
	DefaultLimit = 100
	MaxLimit     = 500
)

// Party is the actor or target of an entry. ID is empty for the operator;
// Name is resolved at read time: DeletedUserName once the user is deleted,
// the id itself when the users read model does not know the user yet.
type Party struct {
	ID   domain.UserID
	Name string
}

// MarshalJSON renders {"id", "name"}, with a null id for the operator.
func (p Party) MarshalJSON() ([]byte, error) {
	var id *domain.UserID
	if p.ID != "" {
		id = &p.ID
	}
	return json.Marshal(struct {
		ID   *domain.UserID `json:"id"`
		Name string         `json:"name"`
	}{id, p.Name})
}

// Entry is one audit entry, as the API's AuditEntry shows it.
type Entry struct {
	Position string          `json:"position"` // "<commit>-<prepare>", also the cursor
	At       time.Time       `json:"at"`
	Action   string          `json:"action"` // the event type, e.g. "UserDeactivated"
	Actor    Party           `json:"actor"`
	Target   *Party          `json:"target"` // nil for events about no user
	Reason   string          `json:"reason"`
	Details  json.RawMessage `json:"details"`
	Hash     string          `json:"hash"` // the entry's link in the tenant's chain, hex (see the package doc)
}

// Querier is what queries need: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Filter selects entries of one tenant; empty fields do not filter.
type Filter struct {
	Tenant domain.TenantID
	Actor  string    // acting user id
	Target string    // target user id
	Action string    // event type
	From   time.Time // entries at or after From; zero: no lower bound
	To     time.Time // entries strictly before To; zero: no upper bound
	Limit  int       // page size of List, 1–MaxLimit; Export ignores it
	After  string    // cursor: the position of the last entry already seen
}

// ErrBadCursor is returned for an After that is not "<commit>-<prepare>".
var ErrBadCursor = errors.New("audit: malformed cursor")

// columns reads an entry with the actor's and target's names joined from
// the users read model: deletion there shows here, in every earlier entry.
var columns = fmt.Sprintf(`a.position_commit::text || '-' || a.position_prepare::text, a.at, a.action,
    a.actor_id, CASE WHEN a.actor_id IS NULL THEN '%s' ELSE coalesce(ua.name, a.actor_id) END,
    a.target_id, coalesce(ut.name, a.target_id), a.reason, a.details, encode(a.hash, 'hex')
FROM %s a
LEFT JOIN %s ua ON ua.tenant_id = a.tenant_id AND ua.user_id = a.actor_id
LEFT JOIN %s ut ON ut.tenant_id = a.tenant_id AND ut.user_id = a.target_id`, OperatorName, Table, users.Table, users.Table)

func scanEntry(row pgx.Row) (Entry, error) {
	var (
		e                 Entry
		actor, target     *string
		targetName, cause *string
	)
	err := row.Scan(&e.Position, &e.At, &e.Action, &actor, &e.Actor.Name, &target, &targetName, &cause, &e.Details, &e.Hash)
	if actor != nil {
		e.Actor.ID = domain.UserID(*actor)
	}
	if target != nil && targetName != nil {
		e.Target = &Party{ID: domain.UserID(*target), Name: *targetName}
	}
	if cause != nil {
		e.Reason = *cause
	}
	return e, err
}

// where renders f (its cursor included) as a WHERE clause and its arguments.
func (f Filter) where() (*projections.Where, error) {
	w := projections.WhereTenant("a.tenant_id", f.Tenant)
	for _, eq := range [...]struct{ clause, value string }{
		{"a.actor_id = $%d", f.Actor}, {"a.target_id = $%d", f.Target}, {"a.action = $%d", f.Action},
	} {
		if eq.value != "" {
			w.Add(eq.clause, eq.value)
		}
	}
	if !f.From.IsZero() {
		w.Add("a.at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		w.Add("a.at < $%d", f.To)
	}
	if f.After != "" {
		commit, prepare, err := parseCursor(f.After)
		if err != nil {
			return nil, err
		}
		w.Add("(a.position_commit, a.position_prepare) > ($%d::numeric, $%d::numeric)", commit, prepare)
	}
	return w, nil
}

// parseCursor reads "<commit>-<prepare>".
func parseCursor(s string) (commit, prepare uint64, err error) {
	c, p, ok := strings.Cut(s, "-")
	if ok {
		commit, err = strconv.ParseUint(c, 10, 64)
	}
	if ok && err == nil {
		prepare, err = strconv.ParseUint(p, 10, 64)
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("%w: %q", ErrBadCursor, s)
	}
	return commit, prepare, nil
}

// List returns one page of f's entries in feed order and the cursor of the
// next page ("" on the last). It reads Limit+1 rows to know whether there is
// a next page.
func List(ctx context.Context, q Querier, f Filter) (entries []Entry, next string, err error) {
	limit := f.Limit
	switch {
	case limit < 1:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	w, err := f.where()
	if err != nil {
		return nil, "", err
	}
	limitArg := w.Arg(limit + 1)
	where, args := w.SQL()
	rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s WHERE %s ORDER BY a.position_commit, a.position_prepare LIMIT %s",
		columns, where, limitArg), args...)
	if err != nil {
		return nil, "", fmt.Errorf("audit: list: %w", err)
	}
	entries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
	if err != nil {
		return nil, "", fmt.Errorf("audit: list: %w", err)
	}
	if len(entries) > limit {
		entries, next = entries[:limit], entries[limit-1].Position
	}
	return entries, next, nil
}

// Export streams every entry of f after its cursor, in feed order and
// ignoring Limit, to emit, one row at a time: memory stays flat however long
// the trail. It stops at, and returns, the first error of emit.
func Export(ctx context.Context, q Querier, f Filter, emit func(Entry) error) error {
	w, err := f.where()
	if err != nil {
		return err
	}
	where, args := w.SQL()
	rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s WHERE %s ORDER BY a.position_commit, a.position_prepare", columns, where), args...)
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
		if err := emit(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}
