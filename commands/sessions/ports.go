package sessions

import (
	"context"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/domain"
)

// Session is a stored session: never the token, only its digest.
type Session struct {
	Digest    string
	Tenant    domain.TenantID
	User      domain.UserID
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Store keeps sessions by digest.
type Store interface {
	Create(ctx context.Context, s Session) error
	// Find returns the session stored under digest; found is false when
	// there is none (never created, or ended).
	Find(ctx context.Context, digest string) (s Session, found bool, err error)
	// End forgets the session (logout); ending an unknown one is no error.
	End(ctx context.Context, digest string) error
}

// Members reads users from the write model, current with the stream.
// *commands.Handlers implements it.
type Members interface {
	Member(ctx context.Context, tenant domain.TenantID, user domain.UserID) (commands.Member, bool, error)
	MemberByEmail(ctx context.Context, tenant domain.TenantID, email string) (commands.Member, bool, error)
	PasswordHash(ctx context.Context, tenant domain.TenantID, u domain.UserView) (string, error)
	// CatchUp and Cached split Member in two, so that the catch-up can run
	// while the session is looked up.
	CatchUp(ctx context.Context, tenant domain.TenantID) (loaded bool, err error)
	Cached(tenant domain.TenantID, user domain.UserID) (m commands.Member, found, loaded bool)
}

// Verifier checks passwords against stored hashes.
type Verifier interface {
	Verify(password, hash string) (bool, error)
	// VerifyDummy spends the time of one Verify, for logins with no hash to
	// check, so that they answer no faster.
	VerifyDummy(password string)
}

var _ Members = (*commands.Handlers)(nil)
