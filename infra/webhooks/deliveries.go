package webhooks

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// Delivery states.
const (
	Pending   = "pending"   // to be tried (again)
	Delivered = "delivered" // a 2xx came back
	Failed    = "failed"    // retries used up, 410 Gone, or the event is no longer kept
)

// Delivery is one public event's delivery to one endpoint, with its
// attempts.
type Delivery struct {
	// Position is the event's place in the public event log (the feed's
	// cursor); EventID is its CloudEvents id, sent as webhook-id.
	Position  eventstore.Position
	EventID   string
	EventType string
	State     string
	// NextAttemptAt is when it is tried next; zero unless pending and
	// due (a disabled endpoint's deliveries wait for it to be enabled).
	NextAttemptAt time.Time
	CreatedAt     time.Time
	Attempts      []Attempt // in order
}

// Attempt is one POST of a delivery.
type Attempt struct {
	Number     int
	At         time.Time
	StatusCode int // 0: no answer (refused, timed out)
	Latency    time.Duration
	Error      string // "" when it delivered
	// NextAttemptAt is when the delivery was to be tried again after this
	// attempt; zero when it was not.
	NextAttemptAt time.Time
}

// DeliveryPage selects deliveries of an endpoint, newest event first.
type DeliveryPage struct {
	// Before: only deliveries of events before it (the previous page's
	// Next); zero: from the newest.
	Before eventstore.Position
	// Limit bounds the page (default 50, at most 200).
	Limit int
	// State: only deliveries in it; "": all.
	State string
}

// Deliveries returns a page of an endpoint's delivery log and the Before
// of the next page (zero at the end).
func (s *Store) Deliveries(ctx context.Context, tenant domain.TenantID, endpoint string, page DeliveryPage) ([]Delivery, eventstore.Position, error) {
	limit := cmp.Or(page.Limit, 50)
	switch {
	case limit < 0 || limit > 200:
		return nil, eventstore.Position{}, domain.InvalidField("limit", "limit must be between 1 and 200")
	case page.State != "" && page.State != Pending && page.State != Delivered && page.State != Failed:
		return nil, eventstore.Position{}, domain.InvalidField("state", "state must be pending, delivered or failed")
	}
	if _, err := s.GetEndpoint(ctx, tenant, endpoint); err != nil {
		return nil, eventstore.Position{}, err
	}
	before := page.Before
	if before.IsZero() {
		before = eventstore.Position{Commit: ^uint64(0), Prepare: ^uint64(0)}
	}
	rows, err := s.pool.Query(ctx, deliveriesSQL, string(tenant), endpoint, before.Commit, before.Prepare, page.State, limit)
	if err != nil {
		return nil, eventstore.Position{}, fmt.Errorf("webhooks: deliveries: %w", pgoutage.Read(err))
	}
	list, err := pgx.CollectRows(rows, scanDelivery)
	if err != nil {
		return nil, eventstore.Position{}, fmt.Errorf("webhooks: deliveries: %w", pgoutage.Read(err))
	}
	var next eventstore.Position
	if len(list) == limit {
		next = list[len(list)-1].Position
	}
	return list, next, nil
}

// deliveriesSQL reads a page of deliveries with their attempts: those in
// webhook_attempts, and the one that delivered, kept in the delivery's
// last_* columns when the usual batch of successes recorded it (one row
// written per delivery instead of two).
const deliveriesSQL = `SELECT d.position_commit, d.position_prepare, d.event_id, d.event_type, d.state,
    CASE WHEN d.state = 'pending' AND d.next_attempt_at <> 'infinity' THEN d.next_attempt_at END, d.created_at,
    coalesce((SELECT json_agg(json_build_object('n', a.attempt, 'at', a.at, 'status', a.status_code, 'ms', a.latency_ms,
        'error', a.error, 'next', a.next_attempt_at) ORDER BY a.attempt)
      FROM (SELECT a.attempt, a.at, a.status_code, a.latency_ms, a.error, a.next_attempt_at FROM webhook_attempts a
          WHERE (a.tenant_id, a.endpoint_id, a.position_commit, a.position_prepare) =
            (d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare)
        UNION ALL
        SELECT ` + deliveringAttempt + ` WHERE ` + deliveringAttemptUnlogged + `) a), '[]')
FROM webhook_deliveries d
WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND (d.position_commit, d.position_prepare) < ($3, $4)
  AND ($5 = '' OR d.state = $5)
ORDER BY d.position_commit DESC, d.position_prepare DESC
LIMIT $6`

// deliveringAttempt is, as the columns of webhook_attempts, the attempt
// that delivered delivery d, from its last_* columns.
const deliveringAttempt = `d.attempts, d.last_attempt_at, d.last_status, d.last_latency_ms, NULL::text, NULL::timestamptz`

// deliveringAttemptUnlogged holds for a delivered delivery d whose
// delivering attempt is not in webhook_attempts, but only in d's last_*
// columns (see successes.write).
const deliveringAttemptUnlogged = `d.state = 'delivered' AND d.last_attempt_at IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM webhook_attempts l WHERE (l.tenant_id, l.endpoint_id, l.position_commit, l.position_prepare, l.attempt) =
        (d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare, d.attempts))`

// keepDeliveringAttempts copies into webhook_attempts the delivering
// attempt of the deliveries d of an endpoint (tenant $1, id $2) that
// match cond, before a replay makes them pending again and the next
// attempt overwrites their last_* columns.
func keepDeliveringAttempts(cond string) string {
	return `INSERT INTO webhook_attempts (tenant_id, endpoint_id, position_commit, position_prepare, attempt, at, status_code,
    latency_ms, error, next_attempt_at)
SELECT d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare, ` + deliveringAttempt + `
FROM webhook_deliveries d
WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND ` + cond + ` AND ` + deliveringAttemptUnlogged
}

// storedAttempt is an attempt as deliveriesSQL aggregates it.
type storedAttempt struct {
	N      int        `json:"n"`
	At     time.Time  `json:"at"`
	Status *int       `json:"status"`
	MS     int64      `json:"ms"`
	Error  *string    `json:"error"`
	Next   *time.Time `json:"next"`
}

func scanDelivery(row pgx.CollectableRow) (Delivery, error) {
	var d Delivery
	var next *time.Time
	var attempts []storedAttempt
	err := row.Scan(&d.Position.Commit, &d.Position.Prepare, &d.EventID, &d.EventType, &d.State, &next, &d.CreatedAt, &attempts)
	d.NextAttemptAt = orZero(next)
	for _, a := range attempts {
		at := Attempt{Number: a.N, At: a.At, Latency: time.Duration(a.MS) * time.Millisecond, NextAttemptAt: orZero(a.Next)}
		if a.Status != nil {
			at.StatusCode = *a.Status
		}
		if a.Error != nil {
			at.Error = *a.Error
		}
		d.Attempts = append(d.Attempts, at)
	}
	return d, err
}
