package idempotency

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/infra/pgoutage"
)

var _ execution.IdempotencyStore = (*Store)(nil)

// ErrNotInProgress is returned (wrapped) by Complete when the key has no
// claim awaiting an outcome: it was never claimed, has expired and been
// replaced or purged, or is already complete.
var ErrNotInProgress = errors.New("idempotency: no claim in progress")

// claimAttempts bounds Claim's retries when the record it lost to vanishes
// (purged) before it can be read.
const claimAttempts = 3

// Store keeps idempotency records in the idempotency_keys table. It is safe
// for concurrent use. Times are stored to the microsecond. A database out of
// reach is eventstore.ErrUnavailable (pgoutage.Read), a claim's or an
// outcome's write included: neither is the command's outcome, and a claim
// whose reply was lost only makes the request's retry a retry.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store over pool, whose database must be migrated
// (infra/migrations). The pool stays the caller's to close.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

// claimSQL inserts a new record, or replaces one that has expired at the
// claimant's now ($6 is now - IdempotencyTTL); $7 is the claimant's stream
// version. It returns a row only when it claimed; a live record is left as
// it is. A concurrent insert of the same key makes it wait for that
// transaction, so at most one claimant wins.
const claimSQL = `
INSERT INTO idempotency_keys AS k (tenant_id, caller, key, fingerprint, outcome, created_at, after_version)
VALUES ($1, $2, $3, $4, NULL, $5, $7)
ON CONFLICT (tenant_id, caller, key) DO UPDATE SET
    fingerprint   = EXCLUDED.fingerprint,
    outcome       = NULL,
    created_at    = EXCLUDED.created_at,
    after_version = EXCLUDED.after_version
WHERE k.created_at <= $6
RETURNING true`

// Claim records id for a request with fingerprint, knowing the tenant's
// stream at version after, at now, and returns claimed true; when id holds a
// record younger than execution.IdempotencyTTL at now it returns that record
// and claimed false, changing nothing. An expired record is replaced as if
// absent.
func (s *Store) Claim(ctx context.Context, id execution.IdempotencyID, fingerprint string, after int64, now time.Time) (execution.IdempotencyRecord, bool, error) {
	expiredAt := now.Add(-execution.IdempotencyTTL)
	for range claimAttempts {
		var claimed bool
		err := s.pool.QueryRow(ctx, claimSQL, id.Tenant, id.Caller, id.Key, fingerprint, now, expiredAt, after).Scan(&claimed)
		if err == nil {
			return execution.IdempotencyRecord{}, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return execution.IdempotencyRecord{}, false, fmt.Errorf("idempotency: claim %s: %w", describe(id), pgoutage.Read(err))
		}
		existing, found, err := s.load(ctx, id)
		if err != nil || found {
			return existing, false, err
		}
		// Purged between the two statements (by a purge with a later now): claim again.
	}
	return execution.IdempotencyRecord{}, false, fmt.Errorf("idempotency: claim %s: record vanished %d times in a row", describe(id), claimAttempts)
}

// describe names a record in errors: the tenant and the caller, never the
// key, which is the client's and may be anything printable.
func describe(id execution.IdempotencyID) string {
	return fmt.Sprintf("tenant %s, caller %q", id.Tenant, id.Caller)
}

func (s *Store) load(ctx context.Context, id execution.IdempotencyID) (execution.IdempotencyRecord, bool, error) {
	var rec execution.IdempotencyRecord
	err := s.pool.QueryRow(ctx, `
SELECT fingerprint, outcome, created_at, after_version FROM idempotency_keys
WHERE tenant_id = $1 AND caller = $2 AND key = $3`, id.Tenant, id.Caller, id.Key).Scan(&rec.Fingerprint, &rec.Outcome, &rec.CreatedAt, &rec.AfterVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return execution.IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return execution.IdempotencyRecord{}, false, fmt.Errorf("idempotency: read %s: %w", describe(id), pgoutage.Read(err))
	}
	return rec, true, nil
}

// Complete stores outcome (which must not be nil: nil means "in progress") as
// the result of the claimed id. The first outcome stays: completing an id
// that is not awaiting one fails with ErrNotInProgress.
func (s *Store) Complete(ctx context.Context, id execution.IdempotencyID, outcome []byte) error {
	if outcome == nil {
		return fmt.Errorf("idempotency: complete %s: nil outcome", describe(id))
	}
	tag, err := s.pool.Exec(ctx, `
UPDATE idempotency_keys SET outcome = $4
WHERE tenant_id = $1 AND caller = $2 AND key = $3 AND outcome IS NULL`, id.Tenant, id.Caller, id.Key, outcome)
	if err != nil {
		return fmt.Errorf("idempotency: complete %s: %w", describe(id), pgoutage.Read(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("idempotency: complete %s: %w", describe(id), ErrNotInProgress)
	}
	return nil
}

// Purge deletes every record that has expired at now (created at or before
// now - execution.IdempotencyTTL) and returns how many it deleted. The service
// calls it periodically; expired records are ignored by Claim either way.
func (s *Store) Purge(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at <= $1`,
		now.Add(-execution.IdempotencyTTL))
	if err != nil {
		return 0, fmt.Errorf("idempotency: purge: %w", pgoutage.Read(err))
	}
	return tag.RowsAffected(), nil
}
