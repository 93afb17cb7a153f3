package sessions

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// Config wires a Service.
type Config struct {
	Store     Store        // required
	Members   Members      // required
	Passwords Verifier     // required
	Emails    EmailIndexer // required
	// OperatorToken is accepted everywhere as the operator; "" disables it.
	OperatorToken string
	TTL           time.Duration    // session lifetime; default 12 h
	Limits        Limits           // default DefaultLimits()
	Clock         func() time.Time // default time.Now
	// Logins records every granted login; optional (nil: logins are not
	// recorded, and last_login_at stays null).
	Logins LoginRecorder
	// DeferChecks lets commands check their sessions as they store their
	// events (AuthenticateCommand): set it when the command engine can
	// (execution.Engine.ChecksSessions). False: every token is checked up
	// front.
	DeferChecks bool
}

// Service logs users in and resolves bearer tokens; it implements
// access.Authenticator.
type Service struct {
	cfg    Config
	limits *limiter
	known  knownSessions
}

var _ access.Authenticator = (*Service)(nil)

// New builds a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Members == nil || cfg.Passwords == nil || cfg.Emails == nil {
		return nil, errors.New("sessions: Store, Members, Passwords and Emails are required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 12 * time.Hour
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Service{cfg: cfg, limits: newLimiter(cfg.Limits)}, nil
}

// Login is a successful login.
type Login struct {
	Token     string
	ExpiresAt time.Time
	Member    execution.Member
}

// RateLimited is the refusal of a login attempt made too soon after too many
// failures; it wraps the rate_limited *domain.Error.
type RateLimited struct {
	RetryAfter time.Duration
	Refusal    *domain.Error
}

// Error renders the refusal.
func (r *RateLimited) Error() string { return r.Refusal.Error() }

// Unwrap exposes the domain error to errors.As.
func (r *RateLimited) Unwrap() error { return r.Refusal }

// Login checks email and password for tenant and opens a session. client
// is the caller's address, which the limits on failed logins are keyed by
// (see Limits): the attempt is counted before the password is checked, and
// refunded when the password is right or could not be checked.
func (s *Service) Login(ctx context.Context, tenant domain.TenantID, email, password, client string) (Login, error) {
	if strings.TrimSpace(email) == "" || password == "" {
		return Login{}, domain.NewError(domain.CodeInvalid, "email and password are required")
	}
	now := s.cfg.Clock()
	normalized, _ := domain.NormalizeEmail(email)
	try, wait := s.limits.admit(accountKey(string(tenant), normalized), client, now)
	if wait > 0 {
		return Login{}, &RateLimited{RetryAfter: wait,
			Refusal: domain.NewError(domain.CodeRateLimited, "too many failed logins; retry in %d s", int(math.Ceil(wait.Seconds())))}
	}
	m, ok, err := s.checkPassword(ctx, tenant, email, password)
	switch {
	case err != nil:
		try.refund()
		return Login{}, err
	case !ok: // the failure reserved stands
		return Login{}, domain.NewError(domain.CodeInvalidCredentials, "the e-mail or the password is wrong")
	case !m.User.CanLogin:
		try.refund()
		return Login{}, domain.NewError(domain.CodeLoginForbidden, "this user may not log in while %s", m.User.Status)
	}
	try.succeeded()
	if s.cfg.Logins != nil {
		// Recorded first: the login is then decided once more on the current
		// state, and a session never exists whose login was not recorded.
		u, err := s.cfg.Logins.RecordLogin(ctx, tenant, m.User.ID, now)
		if err != nil {
			return Login{}, err
		}
		m.User = u
	}
	return s.open(ctx, tenant, m, now)
}

// checkPassword does the same work whether or not the account exists: one
// write-model lookup, one stream read, one Argon2id verification (within
// the hashing budget, refused alike when it is full).
func (s *Service) checkPassword(ctx context.Context, tenant domain.TenantID, email, password string) (execution.Member, bool, error) {
	m, found, err := s.memberByEmail(ctx, tenant, email)
	if err != nil {
		return execution.Member{}, false, err
	}
	subject := m.User
	if !found {
		// A decoy read of the tenant's first event, which holds no password,
		// stands in for reading the account's credentials.
		subject = domain.UserView{CredentialsAt: 1}
	}
	hash, err := s.cfg.Members.PasswordHash(ctx, tenant, subject)
	if err != nil && found {
		return execution.Member{}, false, err
	}
	if !found || hash == "" {
		if err := s.cfg.Passwords.VerifyDummy(ctx, password); err != nil {
			return execution.Member{}, false, fmt.Errorf("sessions: verify password: %w", err)
		}
		return execution.Member{}, false, nil
	}
	ok, err := s.cfg.Passwords.Verify(ctx, password, hash)
	if err != nil {
		return execution.Member{}, false, fmt.Errorf("sessions: verify password: %w", err)
	}
	return m, ok, nil
}

// memberByEmail is the non-deleted user with that e-mail address, compared
// in domain.NormalizeEmail's form through its blind index.
func (s *Service) memberByEmail(ctx context.Context, tenant domain.TenantID, email string) (execution.Member, bool, error) {
	normalized, err := domain.NormalizeEmail(email)
	if err != nil {
		return execution.Member{}, false, nil // no user has an address that is not one
	}
	return s.cfg.Members.MemberByEmailIndex(ctx, tenant, s.cfg.Emails.EmailIndex(normalized))
}

func (s *Service) open(ctx context.Context, tenant domain.TenantID, m execution.Member, now time.Time) (Login, error) {
	token, digest := newToken()
	// Stored instants have microsecond precision: truncate now, so that the
	// issue instant compared with a revocation is the one stored.
	issued := now.UTC().Truncate(time.Microsecond)
	session := Session{Digest: digest, Tenant: tenant, User: m.User.ID, IssuedAt: issued, ExpiresAt: issued.Add(s.cfg.TTL)}
	if err := s.cfg.Store.Create(ctx, session); err != nil {
		return Login{}, fmt.Errorf("sessions: create: %w", err)
	}
	return Login{Token: token, ExpiresAt: session.ExpiresAt, Member: m}, nil
}

// Authenticate implements access.Authenticator: the operator token, or a
// live session of a user who may log in now.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Principal, bool, error) {
	if s.isOperator(token) {
		return access.Principal{Operator: true}, true, nil
	}
	p, _, ok, err := s.resolve(ctx, token)
	return p, ok, err
}

// resolve looks a session token up and checks it against the write model as
// of every event stored when the request arrived.
func (s *Service) resolve(ctx context.Context, token string) (access.Principal, Session, bool, error) {
	digest, ok := ParseToken(token)
	if !ok {
		return access.Principal{}, Session{}, false, nil
	}
	return s.resolveDigest(ctx, digest)
}

// resolveDigest is resolve for the session stored under digest. A good
// session is remembered for AuthenticateCommand; one found bad is forgotten.
func (s *Service) resolveDigest(ctx context.Context, digest string) (access.Principal, Session, bool, error) {
	session, found, err := s.cfg.Store.Find(ctx, digest)
	if err != nil {
		s.known.forget(digest)
		return access.Principal{}, Session{}, false, err
	}
	return s.judge(ctx, digest, session, found)
}

// judge checks the session read under digest (found false: none is
// stored) against the clock and the write model, as resolveDigest does.
func (s *Service) judge(ctx context.Context, digest string, session Session, found bool) (access.Principal, Session, bool, error) {
	if !found || !s.cfg.Clock().Before(session.ExpiresAt) {
		s.known.forget(digest)
		return access.Principal{}, Session{}, false, nil
	}
	m, found, err := s.member(ctx, session)
	if err != nil || !found || !m.Admits(RefOf(digest), session.IssuedAt) {
		s.known.forget(digest)
		return access.Principal{}, Session{}, false, err
	}
	s.known.remember(session)
	return principalOf(session, m), session, true, nil
}

// principalOf is the principal of a good session of m.
func principalOf(session Session, m execution.Member) access.Principal {
	return access.Principal{Tenant: session.Tenant, User: m.User.ID, Role: m.User.Role, Kind: m.User.Kind,
		ManagesUsers: m.Policy.Manages(m.User.Role), Session: session.Digest, IssuedAt: session.IssuedAt}
}

// member reads the session's user from the write model, current with the
// stream. When the store told the stream's head along with the session (one
// round trip) and the cached model has it, no further read is needed — the
// common case; else the model catches up first.
func (s *Service) member(ctx context.Context, session Session) (execution.Member, bool, error) {
	members := s.cfg.Members
	if session.StreamHead > 0 {
		if m, found, current := members.CachedAt(session.Tenant, session.User, session.StreamHead); current {
			return m, found, nil
		}
	}
	if loaded, err := members.CatchUp(ctx, session.Tenant); err != nil || !loaded {
		if err != nil {
			return execution.Member{}, false, err
		}
		return members.Member(ctx, session.Tenant, session.User)
	}
	m, found, _ := members.CachedAt(session.Tenant, session.User, 0)
	return m, found, nil
}

// isOperator compares token with the operator token as SHA-256 digests in
// constant time, so neither content nor length leaks through timing.
func (s *Service) isOperator(token string) bool {
	want, have := sha256.Sum256([]byte(s.cfg.OperatorToken)), sha256.Sum256([]byte(token))
	return s.cfg.OperatorToken != "" && subtle.ConstantTimeCompare(have[:], want[:]) == 1
}

// Logout ends the calling session.
func (s *Service) Logout(ctx context.Context, p access.Principal) error {
	if p.Session == "" {
		return domain.NewError(domain.CodeInvalid, "the operator token is not a session")
	}
	s.known.forget(p.Session)
	if err := s.cfg.Store.End(ctx, p.Session); err != nil {
		return fmt.Errorf("sessions: end: %w", err)
	}
	return nil
}

// Introspection is RFC 7662's answer; only Active is set for an inactive token.
type Introspection struct {
	Active bool            `json:"active"`
	Sub    domain.UserID   `json:"sub,omitempty"`
	Tenant domain.TenantID `json:"tenant,omitempty"`
	Role   domain.Role     `json:"role,omitempty"`
	Exp    int64           `json:"exp,omitempty"`
}

// Introspect tells caller whether token is active. A session's own tenant's
// principals and the operator may see it; for anyone else, as for a dead
// token, the answer is {"active": false}.
func (s *Service) Introspect(ctx context.Context, caller access.Principal, token string) (Introspection, error) {
	p, session, ok, err := s.resolve(ctx, token)
	return introspection(caller, p, session, ok, err)
}

// IntrospectChecking is Introspect for a caller whose own session check
// was left to it (AuthenticateCommand; check nil: the caller was checked in
// full): both sessions are read in one round trip, the caller's judged as
// Authenticate would, and a caller's session no longer good is
// execution.ErrSessionEnded. A login gateway introspects on every request
// it serves, so this halves what each costs the database.
func (s *Service) IntrospectChecking(ctx context.Context, caller access.Principal, check *execution.SessionCheck, token string) (Introspection, error) {
	if check == nil {
		return s.Introspect(ctx, caller, token)
	}
	digest, wellFormed := ParseToken(token)
	if !wellFormed {
		digest = caller.Session // a token that is no session's: read the caller's alone
	}
	mine, theirs, foundMine, foundTheirs, err := s.cfg.Store.FindTwo(ctx, caller.Session, digest)
	if err != nil {
		return Introspection{}, err
	}
	if _, _, ok, err := s.judge(ctx, caller.Session, mine, foundMine); err != nil || !ok {
		return Introspection{}, cmp.Or(err, execution.ErrSessionEnded)
	}
	if !wellFormed {
		return Introspection{}, nil
	}
	p, session, ok, err := s.judge(ctx, digest, theirs, foundTheirs)
	return introspection(caller, p, session, ok, err)
}

// introspection is the answer to caller about a token resolved to p and
// session (ok: good): inactive unless caller may see it.
func introspection(caller access.Principal, p access.Principal, session Session, ok bool, err error) (Introspection, error) {
	if err != nil || !ok || !(caller.Operator || caller.Tenant == p.Tenant) {
		return Introspection{}, err
	}
	return Introspection{Active: true, Sub: p.User, Tenant: p.Tenant, Role: p.Role, Exp: session.ExpiresAt.Unix()}, nil
}
