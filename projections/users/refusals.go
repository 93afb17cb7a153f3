package users

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
)

// RefusalsTable keeps, per user, the latest refusal automatic deactivation
// (deactivate_after_days_without_login) met. It is not this projector's: a
// migration creates it and the deactivation scheduler writes it. The list
// of users away for N days reads it to show why one of them is still
// active.
const RefusalsTable = "auto_deactivation_refusals"

// Refusal is the latest refusal a user's automatic deactivation met.
type Refusal struct {
	Code   domain.Code
	Detail string
	At     time.Time
}

// Refusals returns the refusals held for the tenant's users among ids, by
// user; users without one are absent.
func Refusals(ctx context.Context, q Querier, tenant domain.TenantID, ids []domain.UserID) (map[domain.UserID]Refusal, error) {
	out := map[domain.UserID]Refusal{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	rows, err := q.Query(ctx, `SELECT user_id, code, detail, at FROM `+RefusalsTable+` WHERE tenant_id = $1 AND user_id = ANY($2)`,
		string(tenant), keys)
	if err != nil {
		return nil, fmt.Errorf("users: refusals: %w", err)
	}
	var user string
	var r Refusal
	_, err = pgx.ForEachRow(rows, []any{&user, &r.Code, &r.Detail, &r.At}, func() error {
		out[domain.UserID(user)] = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("users: refusals: %w", err)
	}
	return out, nil
}
