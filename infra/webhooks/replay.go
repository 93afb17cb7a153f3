package webhooks

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
	"github.com/rosterhq/roster/projections/publicevents"
)

// Replay queues again, for an endpoint of tenant, every public event of the
// tenant after position after that its type filter takes, up to where the
// fan-out has got (it queues the later ones itself): delivered or failed
// deliveries become pending with a fresh round of retries, missing ones
// (events from before the endpoint existed) are created. It returns how
// many deliveries it queued. A disabled endpoint's are held until it is
// enabled.
func (s *Store) Replay(ctx context.Context, tenant domain.TenantID, endpoint string, after eventstore.Position) (int, error) {
	tag, err := s.pool.Exec(ctx, replaySQL, string(tenant), endpoint, after.Commit, after.Prepare)
	if err != nil {
		return 0, fmt.Errorf("webhooks: replay: %w", pgoutage.Read(err))
	}
	if tag.RowsAffected() == 0 {
		if _, err := s.GetEndpoint(ctx, tenant, endpoint); err != nil {
			return 0, err
		}
	}
	s.notify(ctx)
	return int(tag.RowsAffected()), nil
}

// replaySQL queues the endpoint's events after a position (see Replay).
var replaySQL = fmt.Sprintf(`WITH kept AS (%[2]s)
INSERT INTO webhook_deliveries AS d (tenant_id, endpoint_id, position_commit, position_prepare, event_id, event_type, next_attempt_at)
SELECT p.tenant_id, e.id, p.position_commit, p.position_prepare, p.event_id, p.type,
    CASE WHEN e.enabled THEN now() ELSE 'infinity' END
FROM webhook_endpoints e
JOIN %[1]s p ON p.tenant_id = e.tenant_id
    AND (p.position_commit, p.position_prepare) > ($3, $4)
    AND (p.position_commit, p.position_prepare) <= (SELECT position_commit, position_prepare FROM webhook_fanout)
    AND p.remaining = 0
    AND %[3]s
WHERE e.tenant_id = $1 AND e.id = $2
FOR KEY SHARE OF e -- not deleted until this commits (see migration 00017)
ON CONFLICT (tenant_id, endpoint_id, position_commit, position_prepare) DO UPDATE
SET state = 'pending', retries = 0, next_attempt_at = excluded.next_attempt_at`, publicevents.Table,
	keepDeliveringAttempts(`(d.position_commit, d.position_prepare) > ($3, $4)`), typesSQL("p", "e.types"))

// ReplayDelivery queues one delivery of an endpoint of tenant again, by
// its event id, with a fresh round of retries.
func (s *Store) ReplayDelivery(ctx context.Context, tenant domain.TenantID, endpoint, eventID string) error {
	tag, err := s.pool.Exec(ctx, replayDeliverySQL, string(tenant), endpoint, eventID)
	if err != nil {
		return fmt.Errorf("webhooks: replay delivery: %w", pgoutage.Read(err))
	}
	if tag.RowsAffected() == 0 {
		return domain.NewError(domain.CodeNotFound, "no delivery of this event to this webhook endpoint")
	}
	s.notify(ctx)
	return nil
}

// replayDeliverySQL makes one delivery pending again (see ReplayDelivery).
var replayDeliverySQL = `WITH kept AS (` + keepDeliveringAttempts(`d.event_id = $3`) + `)
UPDATE webhook_deliveries d
SET state = 'pending', retries = 0, next_attempt_at = CASE WHEN e.enabled THEN now() ELSE 'infinity' END
FROM webhook_endpoints e
WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.event_id = $3 AND e.tenant_id = d.tenant_id AND e.id = d.endpoint_id`
