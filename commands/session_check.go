package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// SessionCheck is a request's session when its token was taken from a
// process's cache instead of being read again: the command checks it
// itself, against the state it decides on and in the round trip that
// stores its events, so that a token revoked or logged out by any process
// fails the next command as surely as a separate check would, without the
// separate round trip. A command that stores nothing checks nothing
// (Result.SessionChecked is false): its caller must check the session.
type SessionCheck struct {
	User     domain.UserID
	Ref      string // SessionRef of the session's digest
	IssuedAt time.Time
	// Guard is the event store precondition that the session is still
	// stored and unexpired.
	Guard eventstore.Precondition
}

// ErrSessionEnded is returned (wrapped) by a command whose SessionCheck
// failed: nothing was stored.
var ErrSessionEnded = errors.New("commands: the request's session has ended")

// Admits reports whether a session of m's user, referenced ref (SessionRef)
// and issued at issued, is good: the user may log in, and the session
// survived every revocation (domain.UserView.SessionAlive).
func (m Member) Admits(ref string, issued time.Time) bool {
	return m.User.CanLogin && m.User.SessionAlive(ref, issued)
}

// SessionRef is how events name the session stored under digest (the
// SHA-256 of its token): a digest of the digest, so that the event log,
// kept for ever and copied wherever events go, never holds the key the
// session store looks sessions up by.
func SessionRef(digest string) string {
	sum := sha256.Sum256([]byte("roster session reference\x00" + digest))
	return hex.EncodeToString(sum[:16])
}

// sessionHolds reports whether the session c (nil: none to check) is good
// on state s.
func sessionHolds(s *domain.Tenant, c *SessionCheck) bool {
	if c == nil {
		return true
	}
	u, found := s.User(c.User)
	return found && Member{User: u, Policy: s.Policy()}.Admits(c.Ref, c.IssuedAt)
}

// guarded returns ctx carrying the session guards of the requests that
// append, for their append.
func guarded(ctx context.Context, appending ...*request) context.Context {
	var guards []eventstore.Precondition
	for _, r := range appending {
		if c := r.env.Session; c != nil {
			guards = append(guards, c.Guard)
		}
	}
	return eventstore.WithPreconditions(ctx, guards...)
}

// sessionError reads an append's failure: a failed session guard is the
// session's end.
func sessionError(err error) error {
	if errors.Is(err, eventstore.ErrPreconditionFailed) {
		return fmt.Errorf("%w (%w)", ErrSessionEnded, err)
	}
	return err
}
