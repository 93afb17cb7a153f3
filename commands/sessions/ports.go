package sessions

import (
	"context"
	"time"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// Session is a stored session: never the token, only its digest.
type Session struct {
	Digest    string
	Tenant    domain.TenantID
	User      domain.UserID
	IssuedAt  time.Time
	ExpiresAt time.Time
	// StreamHead is, when the store can tell it in the same read (the events
	// live beside the sessions), the version of the tenant's stream when the
	// session was read; 0 otherwise.
	StreamHead int64
}

// Store keeps sessions by digest.
type Store interface {
	Create(ctx context.Context, s Session) error
	// Find returns the session stored under digest; found is false when
	// there is none (never created, or ended).
	Find(ctx context.Context, digest string) (s Session, found bool, err error)
	// FindTwo is Find of two digests in one read (a caller's session and
	// the one it asks about).
	FindTwo(ctx context.Context, first, second string) (a, b Session, foundA, foundB bool, err error)
	// End forgets the session (logout); ending an unknown one is no error.
	End(ctx context.Context, digest string) error
}

// Members reads users from the write model, current with the stream.
// The command engine's queries (*execution.Queries) implement it.
type Members interface {
	Member(ctx context.Context, tenant domain.TenantID, user domain.UserID) (execution.Member, bool, error)
	// MemberByEmailIndex finds the non-deleted user whose address has that
	// blind index (EmailIndexer).
	MemberByEmailIndex(ctx context.Context, tenant domain.TenantID, index string) (execution.Member, bool, error)
	PasswordHash(ctx context.Context, tenant domain.TenantID, u domain.UserView) (string, error)
	// CachedAt is Member without I/O, when the cached model has every event
	// up to version head (current false otherwise); CatchUp brings a cached
	// model up to the stream, loading none.
	CachedAt(tenant domain.TenantID, user domain.UserID, head int64) (m execution.Member, found, current bool)
	CatchUp(ctx context.Context, tenant domain.TenantID) (loaded bool, err error)
}

// LoginRecorder records a granted login as an event of the user
// (domain.RecordLogin), which is what automatic deactivation counts from;
// it refuses (login_forbidden) a user who may not log in on the current
// state.
type LoginRecorder interface {
	// RecordLogin answers the user as they are with the login recorded.
	RecordLogin(ctx context.Context, tenant domain.TenantID, user domain.UserID, at time.Time) (domain.UserView, error)
}

// Verifier checks passwords against stored hashes. Either method may
// refuse to compute now (the server has no room for another hashing, or
// ctx ended: the client has gone): it then returns an "unavailable"
// *domain.Error, which Login passes on.
type Verifier interface {
	Verify(ctx context.Context, password, hash string) (bool, error)
	// VerifyDummy spends the time of one Verify, for logins with no hash to
	// check, so that they answer no faster — and are refused alike.
	VerifyDummy(ctx context.Context, password string) error
}

// EmailIndexer computes the blind index of an e-mail address (in its
// domain.NormalizeEmail form), which logins find their user by.
type EmailIndexer interface {
	EmailIndex(email string) string
}

var _ Members = (*execution.Queries)(nil)
