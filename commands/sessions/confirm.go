package sessions

import (
	"context"
	"fmt"
	"math"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
)

// ConfirmPassword checks that password is the current password of p's user,
// for a user who changes their own (commands.SetPassword.ConfirmCurrent).
// A session that guesses passwords is an attacker's as surely as a login
// that does, so it runs under the same failure limits as a login: the
// account (keyed by the session's user) and the client address each take a
// failure, and while either is spent the answer is RateLimited, before any
// hash is computed. A wrong password is 403 forbidden rather than 401, so
// that clients do not take it for the end of their session. client names
// the caller's address.
func (s *Service) ConfirmPassword(ctx context.Context, p access.Principal, password, client string) error {
	now := s.cfg.Clock()
	try, wait := s.limits.admit(accountKey(string(p.Tenant), "user:"+string(p.User)), client, now)
	if wait > 0 {
		return &RateLimited{RetryAfter: wait,
			Refusal: domain.NewError(domain.CodeRateLimited, "too many wrong passwords; retry in %d s", int(math.Ceil(wait.Seconds())))}
	}
	ok, err := s.currentPasswordIs(ctx, p, password)
	switch {
	case err != nil:
		try.refund()
		return err
	case !ok: // the failure reserved stands
		return domain.NewError(domain.CodeForbidden, "the current password is wrong")
	}
	try.succeeded()
	return nil
}

// currentPasswordIs verifies password against the hash of p's user; a user
// without a password (invited without one) has no current password to
// match, after the same work.
func (s *Service) currentPasswordIs(ctx context.Context, p access.Principal, password string) (bool, error) {
	m, found, err := s.cfg.Members.Member(ctx, p.Tenant, p.User)
	if err != nil || !found {
		return false, err
	}
	hash, err := s.cfg.Members.PasswordHash(ctx, p.Tenant, m.User)
	if err != nil {
		return false, err
	}
	if hash == "" || password == "" {
		return false, s.cfg.Passwords.VerifyDummy(ctx, password)
	}
	ok, err := s.cfg.Passwords.Verify(ctx, password, hash)
	if err != nil {
		return false, fmt.Errorf("sessions: verify password: %w", err)
	}
	return ok, nil
}
