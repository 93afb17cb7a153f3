package webhooks

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// UpdateEndpoint applies change to an endpoint of tenant and returns it.
// Enabling it clears why Roster disabled it and its failing state, and
// sends what was held back meanwhile; disabling it holds back its pending
// deliveries.
func (s *Store) UpdateEndpoint(ctx context.Context, tenant domain.TenantID, id string, change EndpointChange) (Endpoint, error) {
	url, types, err := s.checkChange(ctx, change)
	if err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		e, err = scanEndpoint(tx.QueryRow(ctx, `UPDATE webhook_endpoints SET
    url = coalesce($3, url),
    types = coalesce($4, types),
    enabled = coalesce($5, enabled),
    disabled_at = CASE WHEN $5 THEN NULL ELSE disabled_at END,
    disabled_reason = CASE WHEN $5 THEN NULL ELSE disabled_reason END,
    failing_since = CASE WHEN $5 AND NOT enabled THEN NULL ELSE failing_since END
WHERE tenant_id = $1 AND id = $2
RETURNING `+endpointColumns, string(tenant), id, url, types, change.Enabled))
		if err != nil || change.Enabled == nil {
			return err
		}
		return holdBack(ctx, tx, tenant, id, *change.Enabled)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Endpoint{}, errNoEndpoint
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhooks: update endpoint: %w", pgoutage.Read(err))
	}
	if e.Enabled {
		s.notify(ctx)
	}
	return e, nil
}

// checkChange checks the URL and types of change, and returns them as the
// update takes them: nil for unchanged.
func (s *Store) checkChange(ctx context.Context, change EndpointChange) (*string, []string, error) {
	var url *string
	if change.URL != nil {
		checked, err := s.guard.checkURL(ctx, *change.URL)
		if err != nil {
			return nil, nil, err
		}
		url = &checked
	}
	if change.Types == nil {
		return url, nil, nil
	}
	types, err := normalTypes(*change.Types)
	return url, types, err
}

// holdBack parks the pending deliveries of a disabled endpoint (their next
// attempt at infinity keeps them out of the workers' scans), or makes
// those of an enabled one due now.
func holdBack(ctx context.Context, tx pgx.Tx, tenant domain.TenantID, id string, enabled bool) error {
	_, err := tx.Exec(ctx, `UPDATE webhook_deliveries
SET next_attempt_at = CASE WHEN $3 THEN now() ELSE 'infinity' END
WHERE tenant_id = $1 AND endpoint_id = $2 AND state = 'pending' AND (next_attempt_at = 'infinity') = $3`,
		string(tenant), id, enabled)
	return err
}

// notify wakes the workers of every process (their listeners), after a
// commit that made deliveries due. A lost notification costs only delay:
// workers look for due deliveries on their own as well.
func (s *Store) notify(ctx context.Context) {
	if _, err := s.pool.Exec(ctx, `SELECT pg_notify($1, '')`, deliveriesChannel); err != nil {
		s.opts.Logger.Warn("webhooks: notify failed; workers will find the deliveries on their next look", "error", err)
	}
}
