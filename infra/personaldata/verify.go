package personaldata

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/domain"
)

// missingKeysSQL lists the users invited ($2) with personal data in tenant
// streams ($1 is the stream prefix) who have neither a data key nor a
// UserDeleted event. The events are those of the events table or, with the
// KurrentDB event store, of its copy in kurrent_feed (one of the two is
// empty).
const missingKeysSQL = `
WITH e AS (SELECT stream_id, event_type, payload FROM events
           UNION ALL
           SELECT stream_id, event_type, payload FROM kurrent_feed)
SELECT DISTINCT substr(e.stream_id, length($1) + 1) AS tenant_id, e.payload ->> 'user' AS user_id
FROM e
WHERE e.event_type = $2
  AND starts_with(e.stream_id, $1)
  AND e.payload ->> 'user' IS NOT NULL
  AND json_typeof(e.payload -> 'pii') = 'object'
  AND NOT EXISTS (SELECT 1 FROM personal_data_keys k
                  WHERE k.tenant_id = substr(e.stream_id, length($1) + 1) AND k.user_id = e.payload ->> 'user')
  AND NOT EXISTS (SELECT 1 FROM e d
                  WHERE d.event_type = 'UserDeleted' AND d.stream_id = e.stream_id
                    AND d.payload ->> 'user' = e.payload ->> 'user')
ORDER BY 1, 2`

// MissingKeys returns, in tenant then user order, the users who were invited
// (a UserInvited event) but have no data key and were never deleted (no
// UserDeleted event), as far as the feed's copy in PostgreSQL goes with the
// KurrentDB event store. Their personal data is unreadable although nobody
// erased it: the key table lost rows (a partial restore, a manual delete).
// "roster audit verify" reports them; they must never be mistaken for
// deleted people. Restore their keys before new personal data arrives for
// them: a new key would leave their older events failing to open
// (ErrTampered) rather than reading as erased. The result holds ids only,
// no personal data.
func MissingKeys(ctx context.Context, pool *pgxpool.Pool) ([]UserRef, error) {
	rows, err := pool.Query(ctx, missingKeysSQL, domain.TenantStreamPrefix, userInvitedType)
	if err != nil {
		return nil, fmt.Errorf("personaldata: find missing keys: %w", err)
	}
	refs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (UserRef, error) {
		var tenant, user string
		err := row.Scan(&tenant, &user)
		return UserRef{Tenant: domain.TenantID(tenant), User: domain.UserID(user)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("personaldata: find missing keys: %w", err)
	}
	return refs, nil
}
