package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// userHistorySQL selects the history of a user in the events table.
var userHistorySQL = UserHistorySQL("events", eventColumns)

// UserHistorySQL is the query of ReadUserHistory over table, the events
// table or a copy of it with the same stream_id, stream_version,
// event_type, payload and occurred_at (the KurrentDB feed's kurrent_feed),
// selecting columns: the events of stream $1 in the history of user $2
// (domain.InUserHistory) that occurred at or before $3, in stream order.
// One text for both keeps the selection the domain's in both; each table
// needs the partial indexes it is written for (migration 00006 on events,
// 00008 on kurrent_feed).
//
// Each branch is one index scan, so the cost grows with the user's history,
// not with the stream's; the branches are not joined, so that no plan
// depends on the table's statistics (a nested loop planned on a stale row
// estimate cost milliseconds). DISTINCT ON drops an event found by two
// branches (json has no equality for UNION).
func UserHistorySQL(table, columns string) string {
	return `SELECT DISTINCT ON (stream_version) ` + columns + ` FROM (
    SELECT * FROM ` + table + ` WHERE stream_id = $1 AND payload ->> 'user' = $2
    UNION ALL
    SELECT * FROM ` + table + ` WHERE stream_id = $1 AND event_type = 'TeamLeaderAssigned' AND payload ->> 'leader' = $2
    UNION ALL
    SELECT * FROM ` + table + ` WHERE stream_id = $1 AND event_type = 'TeamLeaderAssigned' AND payload ->> 'previous' = $2
    UNION ALL
    SELECT * FROM ` + table + ` WHERE stream_id = $1 AND event_type IN ('TenantCreated', 'TenantPolicyChanged', 'TeamDefined')
) history
WHERE occurred_at <= $3
ORDER BY stream_version`
}

// ReadUserHistory returns, in stream order, the events of stream that
// occurred at or before until and either name user (as "user", or as
// "leader" or "previous" of a TeamLeaderAssigned) or shape every user
// (TenantCreated, TenantPolicyChanged, TeamDefined): what a replay needs to
// rebuild that one user as of until.
func (s *Store) ReadUserHistory(ctx context.Context, stream, user string, until time.Time) ([]eventstore.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, userHistorySQL, stream, user, until)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read history of %s in %s: %w", user, stream, pgoutage.Read(err))
	}
	events, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read history of %s in %s: %w", user, stream, pgoutage.Read(err))
	}
	return events, nil
}
