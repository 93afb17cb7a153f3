package wiring

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/inactivity"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/idempotency"
	"github.com/rosterhq/roster/infra/inactivitystore"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/sessionstore"
	"github.com/rosterhq/roster/infra/snapshots"
	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

// Services is everything the binary wires on one database.
type Services struct {
	Pool     *pgxpool.Pool // the database of keys, read models (and events, unless in KurrentDB)
	Key      personaldata.MasterKey
	Store    config.EventStore   // where the events are
	Events   *EventStore         // raw events: the write model needs no personal data
	Sealed   *personaldata.Store // events with personal data sealed and unsealed
	Engine   *execution.Engine   // carries the commands out; Close it
	Commands *commands.Handlers
	Queries  *execution.Queries // the reads of the write model: members, profiles, tenants
	Sessions *sessions.Service
	Tokens   *sessionstore.Store    // the sessions' digests, purged of expired ones by serve
	Hashing  *passwords.Budget      // bounds every Argon2id computation of commands and logins
	Clients  access.ClientAddresses // who a request's client is (behind trusted proxies)
	// ReadModels are the read models the projectors keep: catalog.All(),
	// which a test may wrap to make one fail.
	ReadModels []projections.ReadModel
	// Inactivity deactivates users past their tenant's
	// deactivate_after_days_without_login; RunProjectors runs it where the
	// projectors run.
	Inactivity *inactivity.Scheduler
	// EventsRetention is how long public events are kept and readable
	// (0: readapi.DefaultEventsRetention); RunProjectors prunes older ones.
	EventsRetention time.Duration
	// Webhooks keeps the tenants' webhook endpoints and delivers to them
	// (RunWebhooks); Open gives it the defaults, ConfigureWebhooks others.
	Webhooks *webhooks.Store
	// Deliveries sends the public events to the webhook endpoints when
	// RunWebhooks runs it; its metrics are served whether or not it does.
	Deliveries *webhooks.Dispatcher
	// NATS says where RunProjectors publishes the public events (off when
	// its URL is empty).
	NATS config.NATS
}

// Open checks the master key against the database, sets up the read
// models' tables and builds the command side over the sealing event store,
// and the sessions over it: the service as serve, the operator tools and
// the bench run it.
func Open(ctx context.Context, pool *pgxpool.Pool, key personaldata.MasterKey, store config.EventStore, hashing passwords.Params, settings Access, log *slog.Logger) (*Services, error) {
	if err := personaldata.CheckMasterKey(ctx, pool, key); err != nil {
		return nil, err
	}
	// The read models' tables, once, before anything reads them: whether
	// or not this process comes to run the projectors (RunProjectors).
	if err := projections.Setup(ctx, pool, Projectors()...); err != nil {
		return nil, err
	}
	budget, err := passwords.NewBudget(cmp.Or(settings.HashesAtOnce, passwords.DefaultHashesAtOnce), cmp.Or(settings.HashWait, passwords.DefaultHashWait))
	if err != nil {
		return nil, err
	}
	hasher, err := passwords.New(hashing)
	if err != nil {
		return nil, err
	}
	hasher = hasher.Within(budget)
	events, sealed, err := OpenEventStore(pool, key, store, log)
	if err != nil {
		return nil, err
	}
	tokens := sessionstore.New(pool)
	engine, handlers, err := NewCommandSide(execution.Config{
		Store: AppendSealedReadRaw{sealed, events},
		// Over PostgreSQL a command checks its session in the step that
		// stores its events; KurrentDB declines (nil), and tokens are
		// checked first.
		Guard:       sealed.SessionGuard(),
		Snapshots:   snapshots.New(pool),
		Idempotency: idempotency.New(pool),
		// Profiles and password hashes are read with personal data opened.
		PersonalData: sealed,
		// Consequences count the sessions a command ends.
		Sessions: tokens,
		Logger:   log,
		// Zero in config (unbounded) is negative here; a Config built
		// without it (tests, the bench) gets the default.
		CacheRecords: cacheRecords(store),
	}, commands.Config{Passwords: hasher, Screen: passwords.Screen{}, Emails: key.BlindIndex()})
	if err != nil {
		events.Close()
		return nil, err
	}
	logins, err := sessions.New(sessions.Config{Store: tokens, Members: engine.Queries(), Passwords: hasher, Emails: key.BlindIndex(),
		OperatorToken: settings.OperatorToken, TTL: settings.TTL, Limits: settings.Limits, Clock: settings.Clock,
		Logins: LoginRecorder{handlers}, DeferChecks: engine.ChecksSessions()})
	if err != nil {
		engine.Close()
		events.Close()
		return nil, fmt.Errorf("wire sessions: %w", err)
	}
	automatic, clock := inactivitystore.New(pool), settings.Clock
	if clock == nil {
		clock = time.Now
	}
	svc := &Services{Pool: pool, Key: key, Store: store, Events: events, Sealed: sealed, Engine: engine, Commands: handlers,
		Queries: engine.Queries(), Sessions: logins, Tokens: tokens, Hashing: budget, Clients: settings.Clients, ReadModels: catalog.All(),
		Inactivity: &inactivity.Scheduler{Deactivate: handlers.DeactivateUser, Candidates: automatic, Refusals: automatic,
			Clock: clock, Log: log},
		Webhooks: webhooks.NewStore(pool, key, webhooks.Options{Logger: log})}
	svc.Deliveries = webhooks.NewDispatcher(svc.Webhooks)
	return svc, nil
}

// ConfigureWebhooks sets how webhooks are delivered (serve's flags; tests
// allow loopback receivers): internal addresses, timeouts, concurrency.
func (s *Services) ConfigureWebhooks(opts webhooks.Options) {
	s.Webhooks = webhooks.NewStore(s.Pool, s.Key, opts)
	s.Deliveries = webhooks.NewDispatcher(s.Webhooks)
}

// RunWebhooks delivers the public events to the tenants' webhook
// endpoints until ctx ends. Every process runs it: deliveries are claimed
// (FOR UPDATE SKIP LOCKED), so processes share the work.
func RunWebhooks(ctx context.Context, svc *Services) {
	svc.Deliveries.Run(ctx)
}

// Access configures authentication: the operator token, session
// lifetime, login limits and who a request's client is; and the budget of
// password hashing (zero: passwords.DefaultHashesAtOnce, DefaultHashWait).
type Access struct {
	OperatorToken string
	TTL           time.Duration
	Limits        sessions.Limits
	Clients       access.ClientAddresses
	HashesAtOnce  int
	HashWait      time.Duration
	Clock         func() time.Time // the sessions' clock; nil: time.Now
}

// AccessFrom turns configuration into Access.
func AccessFrom(operatorToken string, c config.Sessions, p config.Passwords, proxies config.Proxies) (Access, error) {
	trusted, err := proxies.Prefixes()
	if err != nil {
		return Access{}, err
	}
	clients, err := access.NewClientAddresses(trusted, proxies.ForwardedHeader)
	if err != nil {
		return Access{}, err
	}
	return Access{OperatorToken: operatorToken, TTL: c.TTL, Clients: clients, HashesAtOnce: p.HashesAtOnce, HashWait: p.HashWait,
		Limits: sessions.Limits{AccountBurst: c.AccountBurst, AccountEvery: c.AccountEvery, AddressBurst: c.AddressBurst,
			AddressEvery: c.AddressEvery, SlowAfter: c.SlowAfter, SlowMax: c.SlowMax}}, nil
}

// NewCommandSide builds the command engine on engine and the use cases
// over it (the bench builds its command side with it too). Close the
// engine when done.
func NewCommandSide(engine execution.Config, useCases commands.Config) (*execution.Engine, *commands.Handlers, error) {
	e, err := execution.New(engine)
	if err != nil {
		return nil, nil, fmt.Errorf("wire the command engine: %w", err)
	}
	h, err := commands.New(e, useCases)
	if err != nil {
		e.Close()
		return nil, nil, fmt.Errorf("wire commands: %w", err)
	}
	return e, h, nil
}

// AppendSealedReadRaw appends through the sealing store (personal data is
// encrypted, keys destroyed on deletion) and reads the raw events: the
// write model ignores personal data, so it is never decrypted for it.
type AppendSealedReadRaw struct {
	eventstore.Appender
	Raw eventstore.StreamReader
}

// ReadStream reads Raw.
func (a AppendSealedReadRaw) ReadStream(ctx context.Context, stream string, after int64, limit int) ([]eventstore.RecordedEvent, error) {
	return a.Raw.ReadStream(ctx, stream, after, limit)
}

// Close stops what Open started.
func (s *Services) Close() {
	s.Engine.Close()
	s.Events.Close()
}

// LoginRecorder records logins with the command side's use case
// (sessions.LoginRecorder): the user logging in is the actor.
type LoginRecorder struct{ Commands *commands.Handlers }

// RecordLogin records user's login at at.
func (r LoginRecorder) RecordLogin(ctx context.Context, tenant domain.TenantID, user domain.UserID, at time.Time) (domain.UserView, error) {
	res, err := r.Commands.RecordLogin.Handle(ctx, execution.Envelope{Tenant: tenant, Caller: domain.UserActor(user)},
		domain.RecordLogin{Actor: domain.UserActor(user), User: user, At: at})
	if err != nil {
		return domain.UserView{}, err
	}
	if res.User == nil {
		return domain.UserView{}, fmt.Errorf("wiring: the login of %s recorded no user view", user)
	}
	return *res.User, nil
}

// cacheRecords is the write-model cache's budget: config's records, where
// 0 means unbounded (execution.Config's is negative for that).
func cacheRecords(store config.EventStore) int64 {
	if store.WriteModelCache == 0 {
		return -1
	}
	return store.WriteModelCache
}
