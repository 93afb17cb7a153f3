package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// recordTimeout bounds the recording of an attempt, which runs even as the
// dispatcher stops (what was sent should be known).
const recordTimeout = 10 * time.Second

// record stores attempt c's outcome o, made at start, and its verdict v:
// the endpoint's failing state, and its disabling when the receiver is
// gone or has failed for DisableAfter; the delivery's new state, unless it
// changed hands meanwhile (its lease ran out and another worker took it,
// it was replayed, or held back by a disabling: it is then sent again);
// the attempt in the log. The endpoint's row is locked before the delivery's, as
// UpdateEndpoint does, so that the two never deadlock.
func (d *Dispatcher) record(c claimed, start time.Time, o outcome, v verdict) error {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	return pgx.BeginFunc(ctx, d.store.pool, func(tx pgx.Tx) error {
		disabling, err := d.recordHealth(ctx, tx, c, o, v)
		if err != nil {
			return err
		}
		var next *time.Time
		err = tx.QueryRow(ctx, updateDeliverySQL, string(c.tenant), c.endpoint, c.at.Commit, c.at.Prepare, c.attempt,
			v.state, v.retries, v.delay.Microseconds(), start, nullable(o.status), nullableText(o.err), o.latency.Milliseconds(),
			c.lease).Scan(&next)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) { // none: it changed hands, or was deleted
			return fmt.Errorf("webhooks: record delivery: %w", err)
		}
		if _, err := tx.Exec(ctx, insertAttemptSQL, string(c.tenant), c.endpoint, c.at.Commit, c.at.Prepare, c.attempt,
			start, nullable(o.status), o.latency.Milliseconds(), nullableText(o.err), next); err != nil {
			return fmt.Errorf("webhooks: record attempt: %w", err)
		}
		if disabling == "" {
			return nil
		}
		d.metrics.disabled.Inc()
		d.opts.Logger.Warn("webhooks: endpoint disabled", "tenant", c.tenant, "endpoint", c.endpoint, "reason", disabling)
		return disable(ctx, tx, c, disabling)
	})
}

// updateDeliverySQL sets a delivery's state after attempt $5, if it is
// still leased to it (until $13); a pending delivery of a disabled
// endpoint is parked.
// It returns the next attempt's time (NULL when there is none).
const updateDeliverySQL = `UPDATE webhook_deliveries d
SET state = $6, retries = $7,
    next_attempt_at = CASE WHEN $6 <> 'pending' THEN d.next_attempt_at
        WHEN e.enabled THEN now() + $8 * interval '1 microsecond' ELSE 'infinity' END,
    last_attempt_at = $9, last_status = $10, last_error = $11, last_latency_ms = $12
FROM webhook_endpoints e
WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.position_commit = $3 AND d.position_prepare = $4 AND d.attempts = $5
  AND d.next_attempt_at = $13 AND e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
RETURNING CASE WHEN d.state = 'pending' AND d.next_attempt_at < 'infinity' THEN d.next_attempt_at END`

// insertAttemptSQL logs an attempt of a delivery that still exists.
const insertAttemptSQL = `INSERT INTO webhook_attempts (tenant_id, endpoint_id, position_commit, position_prepare, attempt,
    at, status_code, latency_ms, error, next_attempt_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
WHERE EXISTS (SELECT 1 FROM webhook_deliveries
    WHERE tenant_id = $1 AND endpoint_id = $2 AND position_commit = $3 AND position_prepare = $4)
ON CONFLICT DO NOTHING`

// recordHealth keeps the endpoint's failing state (since when every
// attempt has failed), and returns why it must be disabled, if it must: v
// says so, or it has failed for DisableAfter. A success touches the row
// only when it was failing, so that busy endpoints' deliveries do not
// queue on it.
func (d *Dispatcher) recordHealth(ctx context.Context, tx pgx.Tx, c claimed, o outcome, v verdict) (string, error) {
	if o.delivered() {
		_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL
WHERE tenant_id = $1 AND id = $2 AND failing_since IS NOT NULL`, string(c.tenant), c.endpoint)
		if err != nil {
			return "", fmt.Errorf("webhooks: record endpoint health: %w", err)
		}
		return "", nil
	}
	var failingSince time.Time
	var enabled bool
	err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $3)
WHERE tenant_id = $1 AND id = $2 RETURNING failing_since, enabled`,
		string(c.tenant), c.endpoint, time.Now()).Scan(&failingSince, &enabled)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", nil // deleted
	case err != nil:
		return "", fmt.Errorf("webhooks: record endpoint health: %w", err)
	case !enabled:
		return "", nil // disabled already, with its reason
	case v.disable != "":
		return v.disable, nil
	case time.Since(failingSince) > d.opts.DisableAfter:
		return fmt.Sprintf("every delivery attempt has failed since %s (more than %s)",
			failingSince.UTC().Format(time.RFC3339), d.opts.DisableAfter), nil
	}
	return "", nil
}

// disable turns an endpoint off with its reason, and parks its pending
// deliveries until it is enabled again.
func disable(ctx context.Context, tx pgx.Tx, c claimed, reason string) error {
	if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), disabled_reason = $3
WHERE tenant_id = $1 AND id = $2`, string(c.tenant), c.endpoint, reason); err != nil {
		return fmt.Errorf("webhooks: disable endpoint: %w", err)
	}
	if err := holdBack(ctx, tx, c.tenant, c.endpoint, false); err != nil {
		return fmt.Errorf("webhooks: disable endpoint: %w", err)
	}
	return nil
}

func nullable(status int) *int {
	if status == 0 {
		return nil
	}
	return &status
}

func nullableText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
