package work

import (
	"fmt"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Schema creates the table and the index behind the list by assignee (the
// primary key serves the others).
func (p Projector) Schema() []string {
	t := p.Table()
	return []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id  text        NOT NULL,
    item_id    text        NOT NULL,
    kind       text        NOT NULL,
    assignee   text,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
)`, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_assignee ON %s (tenant_id, assignee, item_id)`, t, t),
	}
}

// Reduce is pure: an assignment creates or updates its item (kind "" keeps
// the item's kind, assignee "" unassigns); a transfer moves the listed items
// to their new assignee. Other events give none.
func (p Projector) Reduce(e projections.Event) []projections.Statement {
	switch d := e.Data.(type) {
	case domain.WorkAssigned:
		return []projections.Statement{{SQL: fmt.Sprintf(`INSERT INTO %s AS w (tenant_id, item_id, kind, assignee, updated_at)
VALUES ($1, $2, $3, NULLIF($4, ''), $5)
ON CONFLICT (tenant_id, item_id) DO UPDATE SET kind = coalesce(NULLIF(EXCLUDED.kind, ''), w.kind),
    assignee = EXCLUDED.assignee, updated_at = EXCLUDED.updated_at`, p.Table()),
			Args: []any{string(e.Tenant), string(d.Item), d.Kind, string(d.Assignee), e.OccurredAt}}}
	case domain.OwnershipTransferred:
		items := make([]string, len(d.Items))
		for i, it := range d.Items {
			items[i] = string(it)
		}
		return []projections.Statement{{SQL: fmt.Sprintf(`UPDATE %s SET assignee = NULLIF($3, ''), updated_at = $4
WHERE tenant_id = $1 AND item_id = ANY($2)`, p.Table()),
			Args: []any{string(e.Tenant), items, string(d.To), e.OccurredAt}}}
	}
	return nil
}

// handled are the only events this read model uses.
var handled = projections.Of(domain.WorkAssigned{}, domain.OwnershipTransferred{})

// Handles implements projections.Interested: other events need no decoding.
func (p Projector) Handles(eventType string) bool { return handled[eventType] }
