package sessions

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
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
// When commands may check their sessions (Config.DeferChecks) and the
// token's session was read by this process before, it answers from memory
// — the session and the user as the cached write model last committed them
// — and leaves the check to the command: it returns the SessionCheck the
// command carries (execution.Envelope.Session), which the engine checks
// against the state it decides on and in the step that stores its events.
// A command that stores nothing checks nothing: its caller must then call
// Verify before answering. Otherwise it is Authenticate, and the check is
// nil.
func (s *Service) AuthenticateCommand(ctx context.Context, token string) (access.Principal, *execution.SessionCheck, bool, error) {
	if s.cfg.DeferChecks {
		if digest, ok := ParseToken(token); ok { // the operator token is never a known session's: those are random
			if p, check, known := s.fromMemory(digest); known {
				return p, check, true, nil
			}
		}
	}
	p, ok, err := s.Authenticate(ctx, token)
	return p, nil, ok, err
}

// fromMemory is the principal of the session this process remembers under
// digest, and the check its command must make; known is false when the
// session is not remembered, or no longer good as far as memory tells.
func (s *Service) fromMemory(digest string) (access.Principal, *execution.SessionCheck, bool) {
	session, known := s.known.find(digest)
	if !known {
		return access.Principal{}, nil, false
	}
	now := s.cfg.Clock()
	m, found, current := s.cfg.Members.CachedAt(session.Tenant, session.User, 0)
	ref := RefOf(digest)
	if !now.Before(session.ExpiresAt) || !current || !found || !m.Admits(ref, session.IssuedAt) {
		return access.Principal{}, nil, false
	}
	return principalOf(session, m), &execution.SessionCheck{User: session.User, Ref: ref, IssuedAt: session.IssuedAt,
		Stored: eventstore.LiveSession{Digest: digest, At: now}}, true
}

// Verify checks p's session fully, as Authenticate does, for a principal
// whose session check was left to its command (AuthenticateCommand) when
// the command stored nothing, and so checked nothing.
func (s *Service) Verify(ctx context.Context, p access.Principal) (bool, error) {
	_, _, ok, err := s.resolveDigest(ctx, p.Session)
	return ok, err
}
