package commands

import (
	"context"
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
	IssuedAt time.Time
	// Guard is the event store precondition that the session is still
	// stored and unexpired.
	Guard eventstore.Precondition
}

// ErrSessionEnded is returned (wrapped) by a command whose SessionCheck
// failed: nothing was stored.
var ErrSessionEnded = errors.New("commands: the request's session has ended")

// Admits reports whether a session of m's user issued at issued is good:
// the user may log in, and their sessions were not revoked since.
func (m Member) Admits(issued time.Time) bool {
	return m.User.CanLogin && !issued.Before(m.User.SessionsRevokedBefore)
}

// sessionHolds reports whether the session c (nil: none to check) is good
// on state s.
func sessionHolds(s *domain.Tenant, c *SessionCheck) bool {
	if c == nil {
		return true
	}
	u, found := s.User(c.User)
	return found && Member{User: u, Policy: s.Policy()}.Admits(c.IssuedAt)
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
