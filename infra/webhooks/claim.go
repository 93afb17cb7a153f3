package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/publicevents"
)

// claimed is a delivery a worker holds the lease of: what to send, where,
// and under which keys.
type claimed struct {
	tenant   domain.TenantID
	endpoint string
	at       eventstore.Position
	eventID  string
	attempt  int // the number of this attempt; fences the recording
	retries  int // failed attempts before it, since queued
	url      string
	keys     [][]byte
	body     []byte // nil: the event is no longer in the log
}

// claimSQL takes up to $1 due deliveries of enabled endpoints that no other
// worker holds, and leases each for $2 microseconds (its next attempt moves
// past the lease), counting the attempt.
var claimSQL = fmt.Sprintf(`WITH due AS (
    SELECT d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare
    FROM webhook_deliveries d
    JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id AND e.enabled
    WHERE d.state = 'pending' AND d.next_attempt_at <= now()
    ORDER BY d.next_attempt_at
    LIMIT $1
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d
SET attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 microsecond'
FROM due
JOIN webhook_endpoints e ON e.tenant_id = due.tenant_id AND e.id = due.endpoint_id
LEFT JOIN %s p ON p.tenant_id = due.tenant_id
    AND (p.position_commit, p.position_prepare) = (due.position_commit, due.position_prepare)
WHERE (d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare) =
    (due.tenant_id, due.endpoint_id, due.position_commit, due.position_prepare)
RETURNING d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare, d.event_id, d.attempts, d.retries,
    e.url, e.secret, CASE WHEN e.previous_until > now() THEN e.previous_secret END, p.body`, publicevents.Table)

// claim leases up to n due deliveries.
func (d *Dispatcher) claim(ctx context.Context, n int) ([]claimed, error) {
	rows, err := d.store.pool.Query(ctx, claimSQL, n, d.opts.lease().Microseconds())
	if err != nil {
		return nil, fmt.Errorf("webhooks: claim: %w", err)
	}
	list, err := pgx.CollectRows(rows, d.scanClaimed)
	if err != nil {
		return nil, fmt.Errorf("webhooks: claim: %w", err)
	}
	return list, nil
}

func (d *Dispatcher) scanClaimed(row pgx.CollectableRow) (claimed, error) {
	var c claimed
	var tenant string
	var secret, previous []byte
	err := row.Scan(&tenant, &c.endpoint, &c.at.Commit, &c.at.Prepare, &c.eventID, &c.attempt, &c.retries,
		&c.url, &secret, &previous, &c.body)
	if err != nil {
		return claimed{}, err
	}
	c.tenant = domain.TenantID(tenant)
	for _, sealed := range [][]byte{secret, previous} {
		if sealed == nil {
			continue
		}
		key, err := d.store.sealer.open(c.tenant, c.endpoint, sealed)
		if err != nil {
			return claimed{}, err
		}
		c.keys = append(c.keys, key)
	}
	return c, nil
}

// nextDueSQL is how long until the next delivery of an enabled endpoint is
// due (NULL: none is pending), in seconds; negative when one is due now.
const nextDueSQL = `SELECT extract(epoch FROM min(d.next_attempt_at) - now())::float8
FROM webhook_deliveries d
JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id AND e.enabled
WHERE d.state = 'pending' AND d.next_attempt_at < 'infinity'`

// untilNextDue is how long the workers may sleep, at most most.
func (d *Dispatcher) untilNextDue(ctx context.Context, most time.Duration) (time.Duration, error) {
	var seconds *float64
	if err := d.store.pool.QueryRow(ctx, nextDueSQL).Scan(&seconds); err != nil {
		return 0, fmt.Errorf("webhooks: next due: %w", err)
	}
	if seconds == nil {
		return most, nil
	}
	return min(time.Duration(*seconds*float64(time.Second)), most), nil
}
