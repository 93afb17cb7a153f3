package work

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Item is one row of the read model, as the API shows it.
type Item struct {
	ID        domain.WorkItemID
	Tenant    domain.TenantID
	Kind      string
	Assignee  domain.UserID // "" when unassigned
	UpdatedAt time.Time
}

// Querier is what queries need: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Filter selects work items of one tenant; empty fields do not filter.
type Filter struct {
	Tenant   domain.TenantID
	Assignee *string // a user's items; a pointer to "" selects unassigned items only
	Kind     string
	Limit    int    // 1–500
	After    string // cursor: the last item id of the previous page
}

// where renders f as a WHERE clause and its arguments.
func (f Filter) where() *projections.Where {
	w := projections.WhereTenant("tenant_id", f.Tenant)
	switch {
	case f.Assignee == nil:
	case *f.Assignee == "":
		w.Add("assignee IS NULL")
	default:
		w.Add("assignee = $%d", *f.Assignee)
	}
	if f.Kind != "" {
		w.Add("kind = $%d", f.Kind)
	}
	if f.After != "" {
		w.Add("item_id > $%d", f.After)
	}
	return w
}

// List returns one page of f's items in id order and the cursor of the
// next page ("" on the last).
func List(ctx context.Context, q Querier, f Filter) (page []Item, next string, err error) {
	w := f.where()
	limit := w.Arg(f.Limit + 1)
	where, args := w.SQL()
	rows, err := q.Query(ctx, fmt.Sprintf(`SELECT item_id, tenant_id, kind, coalesce(assignee, ''), updated_at
FROM %s WHERE %s ORDER BY item_id LIMIT %s`, Table, where, limit), args...)
	if err != nil {
		return nil, "", fmt.Errorf("work: list: %w", err)
	}
	page, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) {
		var it Item
		err := r.Scan(&it.ID, &it.Tenant, &it.Kind, &it.Assignee, &it.UpdatedAt)
		return it, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("work: list: %w", err)
	}
	if len(page) > f.Limit {
		page, next = page[:f.Limit], string(page[f.Limit-1].ID)
	}
	return page, next, nil
}
