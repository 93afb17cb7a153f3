// Package scimusestore keeps when each SCIM connection last authenticated
// (commands/provisioning.Uses), in scim_connection_use.
package scimusestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// Store reads and writes on pool (migrated).
type Store struct{ pool *pgxpool.Pool }

// New returns a Store on pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Record moves the connection's last use on to at (never back: processes
// write in any order).
func (s *Store) Record(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO scim_connection_use (tenant_id, connection_id, last_used_at) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id, connection_id) DO UPDATE SET last_used_at = greatest(scim_connection_use.last_used_at, EXCLUDED.last_used_at)`,
		string(tenant), string(id), at)
	if err != nil {
		return fmt.Errorf("scimusestore: record: %w", pgoutage.Read(err))
	}
	return nil
}

// LastUsed is the connection's last use; ok is false when it was never
// used.
func (s *Store) LastUsed(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID) (at time.Time, ok bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT last_used_at FROM scim_connection_use WHERE tenant_id = $1 AND connection_id = $2`,
		string(tenant), string(id)).Scan(&at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("scimusestore: last used: %w", pgoutage.Read(err))
	}
	return at, true, nil
}
