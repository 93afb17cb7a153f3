// Package inactivitystore is the PostgreSQL side of automatic deactivation
// (commands/inactivity): who is due, read from the users and tenants read
// models, and the refusals met, kept in auto_deactivation_refusals.
package inactivitystore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/inactivity"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
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

// Due implements inactivity.Candidates with the users read model's rule
// (users.AwayTooLong: the same as ?inactive_days=N).
func (s *Store) Due(ctx context.Context, now time.Time) ([]inactivity.Candidate, error) {
	away, err := users.AwayTooLong(ctx, s.pool, now)
	if err != nil {
		return nil, fmt.Errorf("inactivitystore: due: %w", pgoutage.Read(err))
	}
	out := make([]inactivity.Candidate, len(away))
	for i, a := range away {
		out[i] = inactivity.Candidate{Tenant: a.Tenant, User: a.User, Version: a.Version, Days: a.Days,
			LastLoginAt: orZero(a.LastLoginAt), ActiveSince: orZero(a.ActiveSince)}
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
