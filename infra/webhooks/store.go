package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// rotationOverlap is how long the previous secret keeps signing after a
// rotation.
const rotationOverlap = 24 * time.Hour

// Store keeps the tenants' webhook endpoints and their delivery logs. Its
// refusals are domain errors (not_found; invalid with the field), the rest
// wraps pgoutage.Read. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	sealer sealer
	guard  guard
	opts   Options
}

// NewStore returns the store over pool (migrated), sealing secrets under a
// key derived from key.
func NewStore(pool *pgxpool.Pool, key personaldata.MasterKey, opts Options) *Store {
	opts = opts.withDefaults()
	return &Store{pool: pool, sealer: sealer{key.WebhookSecrets()},
		guard: guard{allowPrivate: opts.AllowPrivate, resolver: net.DefaultResolver}, opts: opts}
}

// errNoEndpoint is the refusal of an unknown endpoint id.
var errNoEndpoint = domain.NewError(domain.CodeNotFound, "no such webhook endpoint in this tenant")

// endpointColumns are read by scanEndpoint, in its order.
const endpointColumns = `tenant_id, id, url, types, enabled, previous_until, created_at, disabled_at, coalesce(disabled_reason, ''), failing_since`

func scanEndpoint(row pgx.Row) (Endpoint, error) {
	var e Endpoint
	var tenant string
	var until, disabled, failing *time.Time
	err := row.Scan(&tenant, &e.ID, &e.URL, &e.Types, &e.Enabled, &until, &e.CreatedAt, &disabled, &e.DisabledReason, &failing)
	e.Tenant = domain.TenantID(tenant)
	e.PreviousSecretUntil, e.DisabledAt, e.FailingSince = orZero(until), orZero(disabled), orZero(failing)
	if e.PreviousSecretUntil.Before(time.Now()) {
		e.PreviousSecretUntil = time.Time{}
	}
	return e, err
}

func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// CreateEndpoint stores a new endpoint of tenant and returns it with its
// secret, which is shown this once.
func (s *Store) CreateEndpoint(ctx context.Context, tenant domain.TenantID, in NewEndpoint) (Endpoint, Secret, error) {
	u, err := s.guard.checkURL(ctx, in.URL)
	if err != nil {
		return Endpoint{}, "", err
	}
	types, err := normalTypes(in.Types)
	if err != nil {
		return Endpoint{}, "", err
	}
	id := uuid.Must(uuid.NewV7()).String()
	key, secret := newKey()
	e, err := scanEndpoint(s.pool.QueryRow(ctx, `INSERT INTO webhook_endpoints (tenant_id, id, url, types, enabled, secret)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+endpointColumns, string(tenant), id, u, types, in.Enabled, s.sealer.seal(tenant, id, key)))
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: create endpoint: %w", pgoutage.Read(err))
	}
	return e, secret, nil
}

// ListEndpoints returns tenant's endpoints, oldest first.
func (s *Store) ListEndpoints(ctx context.Context, tenant domain.TenantID) ([]Endpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id`, string(tenant))
	if err != nil {
		return nil, fmt.Errorf("webhooks: list endpoints: %w", pgoutage.Read(err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Endpoint, error) { return scanEndpoint(row) })
	if err != nil {
		return nil, fmt.Errorf("webhooks: list endpoints: %w", pgoutage.Read(err))
	}
	return list, nil
}

// GetEndpoint returns one endpoint of tenant.
func (s *Store) GetEndpoint(ctx context.Context, tenant domain.TenantID, id string) (Endpoint, error) {
	return s.oneEndpoint(ctx, "get endpoint", s.pool.QueryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, string(tenant), id))
}

// oneEndpoint scans row, an endpoint that may not exist.
func (s *Store) oneEndpoint(_ context.Context, doing string, row pgx.Row) (Endpoint, error) {
	e, err := scanEndpoint(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return Endpoint{}, errNoEndpoint
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhooks: %s: %w", doing, pgoutage.Read(err))
	}
	return e, nil
}

// DeleteEndpoint deletes an endpoint of tenant with its delivery log.
// Nothing more is sent to it, though an attempt under way may still land.
// The deliveries go in a statement of their own, after the endpoint's row:
// deleting it waits for every writer of deliveries that holds it (see
// migration 00017), and the second statement sees what they wrote.
func (s *Store) DeleteEndpoint(ctx context.Context, tenant domain.TenantID, id string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, string(tenant), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errNoEndpoint
		}
		_, err = tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2`, string(tenant), id)
		return err
	})
	if err != nil && !errors.Is(err, errNoEndpoint) {
		return fmt.Errorf("webhooks: delete endpoint: %w", pgoutage.Read(err))
	}
	return err
}

// RotateSecret gives an endpoint of tenant a new secret, returned this
// once. The one it replaces keeps signing for 24 hours (a secret older
// than that stops at once).
func (s *Store) RotateSecret(ctx context.Context, tenant domain.TenantID, id string) (Secret, error) {
	key, secret := newKey()
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_endpoints
SET previous_secret = secret, previous_until = now() + $3 * interval '1 second', secret = $4
WHERE tenant_id = $1 AND id = $2`, string(tenant), id, int64(rotationOverlap/time.Second), s.sealer.seal(tenant, id, key))
	if err != nil {
		return "", fmt.Errorf("webhooks: rotate secret: %w", pgoutage.Read(err))
	}
	if tag.RowsAffected() == 0 {
		return "", errNoEndpoint
	}
	return secret, nil
}
