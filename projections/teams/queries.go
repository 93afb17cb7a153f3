package teams

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
)

// Team is one row of the read model, as the API shows it.
type Team struct {
	ID        domain.TeamID
	Tenant    domain.TenantID
	Name      string
	Leader    domain.UserID   // "" when the team has none
	Members   []domain.UserID // sorted
	UpdatedAt time.Time
}

// Querier is what queries need: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// List returns every team of the tenant in id order, members sorted.
func List(ctx context.Context, q Querier, tenant domain.TenantID) ([]Team, error) {
	rows, err := q.Query(ctx, `SELECT team_id, tenant_id, name, coalesce(leader, ''), members, updated_at
FROM `+Table+` WHERE tenant_id = $1 ORDER BY team_id`, string(tenant))
	if err != nil {
		return nil, fmt.Errorf("teams: list: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Team, error) {
		var t Team
		err := r.Scan(&t.ID, &t.Tenant, &t.Name, &t.Leader, &t.Members, &t.UpdatedAt)
		slices.Sort(t.Members) // in Go, byte order, as the write model sorts
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("teams: list: %w", err)
	}
	return list, nil
}
