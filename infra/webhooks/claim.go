package webhooks

import (
	"context"
	"errors"
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
	attempt  int       // the number of this attempt
	lease    time.Time // its lease's end; with attempt, it fences the recording
	retries  int       // failed attempts before it, since queued
	url      string
	keys     [][]byte
	body     []byte // nil: the event is no longer in the log
	failing  bool   // the endpoint was failing when claimed
	// rowless is whether it has no row yet (see rowless.go); typ is its
	// event's type, which its row is written with.
	rowless bool
	typ     string
}

// keySQL is a delivery's endpoint as one string, as endpointKey.String
// writes it: tenant ids are slugs, which hold no "/".
const keySQL = `(d.tenant_id || '/' || d.endpoint_id)`

// busyFrom is what this process holds, per endpoint, as SQL: parameters
// $first (tenants), $first+1 (endpoint ids), $first+2 (counts), $first+3
// (how many each may hold).
func busyFrom(first int) string {
	return fmt.Sprintf(`unnest($%d::text[], $%d::text[], $%d::int[], $%d::int[]) AS busy (tenant_id, endpoint_id, n, most)`,
		first, first+1, first+2, first+3)
}

// claimSQL takes up to $1 due deliveries of enabled endpoints that no other
// worker holds, at most as many per endpoint as it may hold here counting
// those it holds ($3 for an endpoint that holds none), and leases each
// for $2 microseconds (its next attempt moves past the lease), counting
// the attempt. It locks the $4 soonest due deliveries of the endpoints not
// at their limit already ($5: their keys), read in the
// order of the due index, and takes its choice among them; the others are
// free again when the statement ends.
var claimSQL = fmt.Sprintf(`WITH soonest AS (
    SELECT d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare, d.next_attempt_at
    FROM webhook_deliveries d
    WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND %[3]s <> ALL ($5::text[])
    ORDER BY d.next_attempt_at, d.position_commit, d.position_prepare
    LIMIT $4
    FOR UPDATE SKIP LOCKED
),
due AS (
    SELECT s.tenant_id, s.endpoint_id, s.position_commit, s.position_prepare
    FROM (SELECT s.*, row_number() OVER (PARTITION BY s.tenant_id, s.endpoint_id
            ORDER BY s.next_attempt_at, s.position_commit, s.position_prepare) AS nth
        FROM soonest s) s
    JOIN webhook_endpoints e ON e.tenant_id = s.tenant_id AND e.id = s.endpoint_id AND e.enabled
    LEFT JOIN %[2]s ON busy.tenant_id = s.tenant_id AND busy.endpoint_id = s.endpoint_id
    WHERE s.nth + coalesce(busy.n, 0) <= coalesce(busy.most, $3)
    ORDER BY s.next_attempt_at, s.position_commit, s.position_prepare
    LIMIT $1
)
UPDATE webhook_deliveries d
SET attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 microsecond'
FROM due
JOIN webhook_endpoints e ON e.tenant_id = due.tenant_id AND e.id = due.endpoint_id
LEFT JOIN %[1]s p ON p.tenant_id = due.tenant_id
    AND (p.position_commit, p.position_prepare) = (due.position_commit, due.position_prepare)
WHERE (d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare) =
    (due.tenant_id, due.endpoint_id, due.position_commit, due.position_prepare)
RETURNING %[4]s`, publicevents.Table, busyFrom(6), keySQL, claimedColumns)

// claimedColumns are what scanClaimed reads of a delivery d just leased,
// its endpoint e and its public event p (NULL: no longer kept).
const claimedColumns = `d.tenant_id, d.endpoint_id, d.position_commit, d.position_prepare, d.event_id, d.attempts, d.next_attempt_at,
    d.retries, e.url, e.secret, CASE WHEN e.previous_until > now() THEN e.previous_secret END, p.body, e.failing_since IS NOT NULL`

// candidatesPerSlot sizes the claim's choice: the soonest due deliveries,
// this many per delivery asked for (and at most Concurrency times this
// many more than asked for), so that an endpoint with many due cannot fill
// the choice alone while others wait.
const candidatesPerSlot = 8

// claim leases up to n due deliveries, no endpoint beyond what it may hold
// here (b). Once begun, it is not cut short when ctx ends (the dispatcher
// stops): a claim the server committed as the client gave up would leave
// its deliveries leased to nobody until their leases ended, where one
// that returns hands them to the workers, which give them back at once.
func (d *Dispatcher) claim(ctx context.Context, n int, b busy) ([]claimed, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	candidates := min(n*candidatesPerSlot, n+2*d.opts.Concurrency)
	var list []claimed
	err := pgx.BeginFunc(ctx, d.store.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, claimSettings); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, claimSQL, n, d.opts.lease().Microseconds(), d.opts.PerEndpoint, candidates,
			b.atLimit(), b.tenants, b.ids, b.counts, b.limits)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, d.scanClaimed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: claim: %w", err)
	}
	return list, nil
}

// claimSettings are a claim's: it reads the soonest due deliveries in the
// order of the due index, which stops at the candidates, where the planner
// would rather read every pending delivery by a bitmap and sort them (a
// cost that grows with the backlog: 5 ms a claim at 10,000 pending); and
// it need not wait for its commit to be flushed, since a claim the server
// loses in a crash only leaves its deliveries due again, to be sent at
// least once as ever.
const claimSettings = `SET LOCAL enable_bitmapscan = off; SET LOCAL synchronous_commit = off`

func (d *Dispatcher) scanClaimed(row pgx.CollectableRow) (claimed, error) {
	var c claimed
	var secret, previous []byte
	if err := row.Scan(c.fields(&secret, &previous)...); err != nil {
		return claimed{}, err
	}
	return c, d.unseal(&c, secret, previous)
}

// fields are where claimedColumns are scanned to.
func (c *claimed) fields(secret, previous *[]byte) []any {
	return []any{(*string)(&c.tenant), &c.endpoint, &c.at.Commit, &c.at.Prepare, &c.eventID, &c.attempt, &c.lease, &c.retries,
		&c.url, secret, previous, &c.body, &c.failing}
}

// unseal opens c's endpoint's signing secrets (the previous one may be nil).
func (d *Dispatcher) unseal(c *claimed, secret, previous []byte) error {
	for _, sealed := range [][]byte{secret, previous} {
		if sealed == nil {
			continue
		}
		key, err := d.store.sealer.open(c.tenant, c.endpoint, sealed)
		if err != nil {
			return err
		}
		c.keys = append(c.keys, key)
	}
	return nil
}

// nextDueSQL is how long until the next delivery of an enabled endpoint
// that does not hold all it may here ($1: their keys) is due (no row: none is
// pending), in seconds; negative when one is due now.
var nextDueSQL = fmt.Sprintf(`SELECT extract(epoch FROM d.next_attempt_at - now())::float8
FROM webhook_deliveries d
WHERE d.state = 'pending' AND d.next_attempt_at < 'infinity' AND %s <> ALL ($1::text[])
  AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = d.tenant_id AND e.id = d.endpoint_id AND e.enabled)
ORDER BY d.next_attempt_at, d.position_commit, d.position_prepare
LIMIT 1`, keySQL)

// untilNextDue is how long the workers may sleep, at most most.
func (d *Dispatcher) untilNextDue(ctx context.Context, b busy, most time.Duration) (time.Duration, error) {
	var seconds float64
	err := d.store.pool.QueryRow(ctx, nextDueSQL, b.atLimit()).Scan(&seconds)
	if errors.Is(err, pgx.ErrNoRows) {
		return most, nil
	}
	if err != nil {
		return 0, fmt.Errorf("webhooks: next due: %w", err)
	}
	return min(time.Duration(seconds*float64(time.Second)), most), nil
}
