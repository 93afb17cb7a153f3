package personaldata

import (
	"context"
	"errors"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgstore"
)

// insertFreshKeysSQL stores new users' keys, failing (unique violation) if
// any of them has one already: then the fresh path gives way.
const insertFreshKeysSQL = `INSERT INTO personal_data_keys (tenant_id, user_id, wrapped_key)
SELECT $1, k.user_id, k.wrapped_key FROM unnest($2::text[], $3::bytea[]) AS k(user_id, wrapped_key)`

// appendFresh is the path of invitations, whose users are new: their keys
// are made here, the pii sealed with them, and keys and events stored in one
// implicit transaction (pgstore.AppendWith) — one round trip and one WAL
// flush, where creating the keys first would cost a commit of its own. It
// reports done false, having stored nothing, when a key already existed or
// the append conflicted (a retried request, a re-appended old invitation, a
// stale version): the general path then decides, and handles each of those.
func (s *Store) appendFresh(ctx context.Context, stream string, expected eventstore.ExpectedVersion, batch sealedBatch, scanned []fields, users []domain.UserID, live []eventstore.LiveSession) (eventstore.AppendResult, bool, error) {
	keys := make(dataKeys, len(users))
	ids, wrapped := make([]string, len(users)), make([][]byte, len(users))
	for i, u := range users {
		ref := UserRef{batch.tenant, u}
		raw := randomKey()
		aead, err := newAEAD(raw)
		if err != nil {
			return eventstore.AppendResult{}, false, err
		}
		if wrapped[i], err = s.vault.wrapper.wrap(ref, raw); err != nil {
			return eventstore.AppendResult{}, false, err
		}
		keys[ref], ids[i] = aead, string(u)
	}
	if err := sealWith(batch, scanned, keys); err != nil {
		return eventstore.AppendResult{}, false, err
	}
	with := []pgstore.Statement{{SQL: insertFreshKeysSQL, Args: []any{string(batch.tenant), ids, wrapped}}}
	res, err := s.pg.AppendWith(ctx, stream, expected, batch.events, live, with)
	if errors.Is(err, pgstore.ErrStatementFailed) || errors.Is(err, eventstore.ErrVersionConflict) {
		return eventstore.AppendResult{}, false, nil
	}
	return res, err == nil, err
}
