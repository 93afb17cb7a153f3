package users

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/tenants"
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

// Away is an active staff user past their tenant's
// deactivate_after_days_without_login.
type Away struct {
	Tenant  domain.TenantID
	User    domain.UserID
	Version int64
	Days    int // the tenant's knob
	// LastLoginAt is nil for a user who never logged in; ActiveSince is
	// when they last became active.
	LastLoginAt, ActiveSince *time.Time
}

// awaySQL is the rule of ?inactive_days=N (activeStaffSQL and
// inactiveSinceSQL, as Filter.where applies them), with N each tenant's
// knob, across every tenant whose knob is on.
var awaySQL = fmt.Sprintf(`SELECT u.tenant_id, u.user_id, u.version, k.days, u.last_login_at, u.active_since
FROM (SELECT id, (policy->>'deactivate_after_days_without_login')::int AS days FROM %s) k
JOIN %s u ON u.tenant_id = k.id
WHERE k.days > 0 AND %s AND %s < $1::timestamptz - make_interval(days => k.days)
ORDER BY u.tenant_id, u.user_id`, tenants.Table, Table, activeStaffSQL("u.status", "u.kind"), inactiveSinceSQL("u.last_login_at", "u.active_since"))

// AwayTooLong lists, across tenants whose deactivate_after_days_without_login
// is on, the users past it at now: whom automatic deactivation is about.
func AwayTooLong(ctx context.Context, q Querier, now time.Time) ([]Away, error) {
	rows, err := q.Query(ctx, awaySQL, now)
	if err != nil {
		return nil, fmt.Errorf("users: away too long: %w", err)
	}
	var out []Away
	var tenant, user string
	var a Away
	_, err = pgx.ForEachRow(rows, []any{&tenant, &user, &a.Version, &a.Days, &a.LastLoginAt, &a.ActiveSince}, func() error {
		a.Tenant, a.User = domain.TenantID(tenant), domain.UserID(user)
		out = append(out, a)
		a = Away{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("users: away too long: %w", err)
	}
	return out, nil
}
