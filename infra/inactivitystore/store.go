// Package inactivitystore is the PostgreSQL side of automatic deactivation
// (commands/inactivity): who is due, read from the users and tenants read
// models, and the refusals met, kept in auto_deactivation_refusals.
package inactivitystore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/inactivity"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
)

var (
	_ inactivity.Candidates = (*Store)(nil)
	_ inactivity.Refusals   = (*Store)(nil)
)

// Store reads and writes on pool.
type Store struct{ pool *pgxpool.Pool }

// New returns a Store on pool (migrated, with the read models' tables).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// dueSQL finds active staff past their tenant's limit: the same rule as
// GET /v1/tenants/{tenant}/users?inactive_days=N, with N the tenant's knob.
var dueSQL = fmt.Sprintf(`SELECT u.tenant_id, u.user_id, u.version, k.days, u.last_login_at, u.active_since
FROM (SELECT id, (policy->>'deactivate_after_days_without_login')::int AS days FROM %s) k
JOIN %s u ON u.tenant_id = k.id
WHERE k.days > 0 AND u.status = 'active' AND u.kind = 'member'
  AND coalesce(u.last_login_at, u.active_since) < $1::timestamptz - make_interval(days => k.days)
ORDER BY u.tenant_id, u.user_id`, tenants.Table, users.Table)

// Due implements inactivity.Candidates.
func (s *Store) Due(ctx context.Context, now time.Time) ([]inactivity.Candidate, error) {
	rows, err := s.pool.Query(ctx, dueSQL, now)
	if err != nil {
		return nil, fmt.Errorf("inactivitystore: due: %w", pgoutage.Read(err))
	}
	var out []inactivity.Candidate
	var tenant, user string
	var c inactivity.Candidate
	var lastLogin, activeSince *time.Time
	_, err = pgx.ForEachRow(rows, []any{&tenant, &user, &c.Version, &c.Days, &lastLogin, &activeSince}, func() error {
		c.Tenant, c.User, c.LastLoginAt, c.ActiveSince = domain.TenantID(tenant), domain.UserID(user), orZero(lastLogin), orZero(activeSince)
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inactivitystore: due: %w", pgoutage.Read(err))
	}
	return out, nil
}

func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Record implements inactivity.Refusals: the user's latest refusal.
func (s *Store) Record(ctx context.Context, tenant domain.TenantID, user domain.UserID, refusal *domain.Error, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO auto_deactivation_refusals (tenant_id, user_id, code, detail, at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET code = excluded.code, detail = excluded.detail, at = excluded.at`,
		string(tenant), string(user), string(refusal.Code), refusal.Detail, at)
	if err != nil {
		return fmt.Errorf("inactivitystore: record a refusal: %w", pgoutage.Read(err))
	}
	return nil
}

// Clear implements inactivity.Refusals.
func (s *Store) Clear(ctx context.Context, tenant domain.TenantID, user domain.UserID) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM auto_deactivation_refusals WHERE tenant_id = $1 AND user_id = $2`, string(tenant), string(user))
	if err != nil {
		return fmt.Errorf("inactivitystore: clear a refusal: %w", pgoutage.Read(err))
	}
	return nil
}
