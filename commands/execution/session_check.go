package execution

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
// itself, against the state it decides on and in the step that stores its
// events (Config.Guard), so that a token revoked or logged out by any
// process fails the next command as surely as a separate check would,
// without the separate round trip. A command that stores nothing checks
// nothing (Result.SessionChecked is false): its caller must check the
// session.
type SessionCheck struct {
	User     domain.UserID
	Ref      string // how events name the session (never its digest)
	IssuedAt time.Time
	// Stored is the session as the event store checks it with the append:
	// still stored, and unexpired at its instant.
	Stored eventstore.LiveSession
}

// ErrSessionEnded is returned (wrapped) by a command whose SessionCheck
// failed: nothing was stored.
var ErrSessionEnded = errors.New("execution: the request's session has ended")

// errNoGuard refuses a command that carries a SessionCheck to an engine
// whose store cannot check it with the append: stored unchecked, it could
// outlive a revocation.
var errNoGuard = errors.New("execution: this event store cannot check a session as it appends; check the token first")

// Admits reports whether a session of m's user, referenced ref (how events
// name it) and issued at issued, is good: the user may log in, and the
// session survived every revocation (domain.UserView.SessionAlive).
func (m Member) Admits(ref string, issued time.Time) bool {
	return m.User.CanLogin && m.User.SessionAlive(ref, issued)
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

// append stores events at the end of tenant's stream, expected at version
// before, on behalf of the requests of appending: with the sessions they
// carry checked in the same step (through the guard), or plainly when they
// carry none.
func (x *executor) append(ctx context.Context, tenant domain.TenantID, before int64, events []eventstore.NewEvent, appending ...*request) (eventstore.AppendResult, error) {
	var live []eventstore.LiveSession
	for _, r := range appending {
		if c := r.env.Session; c != nil {
			live = append(live, c.Stored)
		}
	}
	switch {
	case len(live) == 0:
		return x.models.store.Append(ctx, domain.TenantStream(tenant), eventstore.Exact(before), events)
	case x.guard == nil:
		return eventstore.AppendResult{}, errNoGuard
	}
	return x.guard.AppendWhileLive(ctx, domain.TenantStream(tenant), eventstore.Exact(before), events, live)
}

// sessionError reads an append's failure: a session that is no longer live
// is the request's session's end.
func sessionError(err error) error {
	if errors.Is(err, eventstore.ErrSessionNotLive) {
		return fmt.Errorf("%w (%w)", ErrSessionEnded, err)
	}
	return err
}
