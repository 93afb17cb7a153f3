package eventstore

import (
	"context"
	"errors"
	"time"
)

// LiveSession names a session an append depends on: the one the session
// store keeps under Digest, which must still be stored and unexpired at At.
type LiveSession struct {
	Digest string
	At     time.Time
}

// SessionGuard is an optional capability of an event store: appending only
// while sessions are live, checked in the same atomic step that stores the
// events, so that a command whose session was ended (a logout, a purge)
// by any process stores nothing — without a round trip of its own. A store
// that keeps its events beside the sessions (PostgreSQL) implements it; a
// store that cannot (KurrentDB) does not, and its callers check sessions
// before they append instead.
type SessionGuard interface {
	// AppendWhileLive is Appender.Append, carried out only if every session
	// of live is stored and unexpired at its instant; if one is not, nothing
	// is stored and the error wraps ErrSessionNotLive.
	AppendWhileLive(ctx context.Context, stream string, expected ExpectedVersion, events []NewEvent, live []LiveSession) (AppendResult, error)
}

// ErrSessionNotLive is returned (wrapped) by AppendWhileLive when a session
// the append depends on is gone or expired; nothing was stored.
var ErrSessionNotLive = errors.New("eventstore: a session the append depends on is no longer live")
