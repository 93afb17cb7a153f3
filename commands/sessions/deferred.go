package sessions

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
)

// maxKnownSessions bounds the sessions a Service remembers (a few hundred
// bytes each); beyond it, commands check their tokens up front.
const maxKnownSessions = 100_000

// knownSessions remembers the sessions this process has read, by digest, so
// that a command's token needs no read of its own (see AuthenticateCommand).
// An entry is only ever a claim: the command checks it when it stores its
// events, and anything else checks the session fully.
type knownSessions struct {
	byDigest sync.Map // digest → Session
	count    atomic.Int64
}

func (k *knownSessions) remember(s Session) {
	if k.count.Load() >= maxKnownSessions {
		return
	}
	if _, loaded := k.byDigest.LoadOrStore(s.Digest, s); !loaded {
		k.count.Add(1)
	}
}

func (k *knownSessions) forget(digest string) {
	if _, loaded := k.byDigest.LoadAndDelete(digest); loaded {
		k.count.Add(-1)
	}
}

// ForgetExpired drops the remembered sessions that have expired at now, so
// that they leave room for live ones.
func (s *Service) ForgetExpired(now time.Time) {
	s.known.byDigest.Range(func(digest, session any) bool {
		if !now.Before(session.(Session).ExpiresAt) {
			s.known.forget(digest.(string))
		}
		return true
	})
}

func (k *knownSessions) find(digest string) (Session, bool) {
	s, ok := k.byDigest.Load(digest)
	if !ok {
		return Session{}, false
	}
	return s.(Session), true
}

// AuthenticateCommand is Authenticate for requests that run one command.
// When the service has a Guard and the token's session was read by this
// process before, it answers from memory — the session and the user as the
// cached write model last committed them — and leaves the check to the
// command: the principal carries a commands.SessionCheck, which the command
// checks against the state it decides on and, with Guard, in the round trip
// that stores its events. A command that stores nothing checks nothing: its
// caller must then call Verify before answering. Otherwise it is
// Authenticate.
func (s *Service) AuthenticateCommand(ctx context.Context, token string) (access.Principal, bool, error) {
	if s.cfg.Guard != nil {
		if digest, ok := ParseToken(token); ok { // the operator token is never a known session's: those are random
			if session, known := s.known.find(digest); known {
				now := s.cfg.Clock()
				m, found, current := s.cfg.Members.CachedAt(session.Tenant, session.User, 0)
				ref := commands.SessionRef(digest)
				if now.Before(session.ExpiresAt) && current && found && m.Admits(ref, session.IssuedAt) {
					p := principalOf(session, m)
					p.Deferred = &commands.SessionCheck{User: session.User, Ref: ref, IssuedAt: session.IssuedAt, Guard: s.cfg.Guard(digest, now)}
					return p, true, nil
				}
			}
		}
	}
	return s.Authenticate(ctx, token)
}

// Verify checks p's session fully, as Authenticate does, for a principal
// whose command stored nothing (and so checked nothing). Principals that
// were checked already are good as they are.
func (s *Service) Verify(ctx context.Context, p access.Principal) (bool, error) {
	if p.Deferred == nil {
		return true, nil
	}
	_, _, ok, err := s.resolveDigest(ctx, p.Session)
	return ok, err
}
