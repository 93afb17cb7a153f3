package natspublisher

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections/publicevents"
)

// publicEvent is one row of the public event log, as the publisher sends it.
type publicEvent struct {
	Position eventstore.Position
	Tenant   string
	ID       string // the CloudEvents id, sent as Nats-Msg-Id
	Type     string
	Body     []byte // the CloudEvents JSON document, sent unchanged
}

// readComplete returns, in feed order, at most limit rows of the public
// event log after position after, up to the first row still incomplete
// (remaining > 0), which is not returned: a command's row is published
// only once all its events are in, and nothing after it before it.
func readComplete(ctx context.Context, pool *pgxpool.Pool, after eventstore.Position, limit int) ([]publicEvent, error) {
	rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT position_commit, position_prepare, tenant_id, event_id, type, remaining, body
FROM %[1]s WHERE (position_commit, position_prepare) > ($1::numeric, $2::numeric) AND %[2]s
ORDER BY position_commit, position_prepare LIMIT $3`, publicevents.Table, publicevents.NoHeldTenantBefore(publicevents.Table)),
		after.Commit, after.Prepare, limit)
	if err != nil {
		return nil, fmt.Errorf("natspublisher: read %s after %s: %w", publicevents.Table, after, err)
	}
	defer rows.Close()
	var events []publicEvent
	for rows.Next() {
		var e publicEvent
		var remaining int
		if err := rows.Scan(&e.Position.Commit, &e.Position.Prepare, &e.Tenant, &e.ID, &e.Type, &remaining, &e.Body); err != nil {
			return nil, fmt.Errorf("natspublisher: read %s: %w", publicevents.Table, err)
		}
		if remaining > 0 {
			break
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("natspublisher: read %s after %s: %w", publicevents.Table, after, err)
	}
	return events, nil
}
