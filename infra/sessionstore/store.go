package sessionstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// Store is the sessions table. A database out of reach is
// eventstore.ErrUnavailable (pgoutage.Read), for writes too: a session
// whose creation's reply was lost has a token nobody received.
type Store struct{ pool *pgxpool.Pool }

var _ sessions.Store = (*Store)(nil)

// New returns a Store on pool (migrated).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Create stores s.
func (s *Store) Create(ctx context.Context, sess sessions.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (digest, tenant_id, user_id, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, sess.Digest, string(sess.Tenant), string(sess.User), sess.IssuedAt, sess.ExpiresAt)
	if err != nil {
		return fmt.Errorf("sessionstore: create: %w", pgoutage.Read(err))
	}
	return nil
}

// Find returns the session stored under digest and, in the same read, the
// version of its tenant's stream (the events table lives beside it): the
// token check then needs no second round trip when the write model already
// has that version.
func (s *Store) Find(ctx context.Context, digest string) (sessions.Session, bool, error) {
	sess, _, found, _, err := s.FindTwo(ctx, digest, digest)
	return sess, found, err
}

// FindTwo implements sessions.Store: both sessions in one round trip, each
// with its tenant's stream head as Find tells it.
func (s *Store) FindTwo(ctx context.Context, first, second string) (a, b sessions.Session, foundA, foundB bool, err error) {
	rows, err := s.pool.Query(ctx, `SELECT s.digest, s.tenant_id, s.user_id, s.issued_at, s.expires_at,
		(SELECT max(e.stream_version) FROM events e WHERE e.stream_id = $3 || s.tenant_id)
		FROM sessions s WHERE s.digest IN ($1, $2)`,
		first, second, domain.TenantStreamPrefix)
	if err != nil {
		return a, b, false, false, fmt.Errorf("sessionstore: find: %w", pgoutage.Read(err))
	}
	defer rows.Close()
	for rows.Next() {
		var sess sessions.Session
		var tenant, user string
		var head *int64
		if err := rows.Scan(&sess.Digest, &tenant, &user, &sess.IssuedAt, &sess.ExpiresAt, &head); err != nil {
			return a, b, false, false, fmt.Errorf("sessionstore: find: %w", pgoutage.Read(err))
		}
		if head != nil {
			sess.StreamHead = *head
		}
		sess.Tenant, sess.User = domain.TenantID(tenant), domain.UserID(user)
		if sess.Digest == first {
			a, foundA = sess, true
		}
		if sess.Digest == second {
			b, foundB = sess, true
		}
	}
	if err := rows.Err(); err != nil {
		return a, b, false, false, fmt.Errorf("sessionstore: find: %w", pgoutage.Read(err))
	}
	return a, b, foundA, foundB, nil
}

// End deletes the session.
func (s *Store) End(ctx context.Context, digest string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE digest = $1`, digest); err != nil {
		return fmt.Errorf("sessionstore: end: %w", pgoutage.Read(err))
	}
	return nil
}

// Purge deletes the sessions expired before now and says how many.
func (s *Store) Purge(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("sessionstore: purge: %w", pgoutage.Read(err))
	}
	return tag.RowsAffected(), nil
}

// LiveSessions returns, per user, the stored sessions unexpired at now,
// named as events name them (sessions.RefOf), for the count of those a
// command ends.
func (s *Store) LiveSessions(ctx context.Context, tenant domain.TenantID, users []domain.UserID, now time.Time) (map[domain.UserID][]domain.SessionRef, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = string(u)
	}
	rows, err := s.pool.Query(ctx, `SELECT user_id, digest, issued_at FROM sessions
		WHERE tenant_id = $1 AND user_id = ANY($2) AND expires_at > $3`, string(tenant), ids, now)
	if err != nil {
		return nil, fmt.Errorf("sessionstore: live sessions: %w", pgoutage.Read(err))
	}
	var user, digest string
	var issued time.Time
	out := map[domain.UserID][]domain.SessionRef{}
	_, err = pgx.ForEachRow(rows, []any{&user, &digest, &issued}, func() error {
		out[domain.UserID(user)] = append(out[domain.UserID(user)], domain.SessionRef{Ref: sessions.RefOf(digest), IssuedAt: issued})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sessionstore: live sessions: %w", pgoutage.Read(err))
	}
	return out, nil
}
