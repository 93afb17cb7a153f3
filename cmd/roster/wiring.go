package main

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
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/idempotency"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/sessionstore"
	"github.com/rosterhq/roster/infra/snapshots"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

// services is everything the binary wires on one database.
type services struct {
	pool     *pgxpool.Pool // the database of keys, read models (and events, unless in KurrentDB)
	key      personaldata.MasterKey
	store    config.EventStore   // where the events are
	events   *eventStore         // raw events: the write model needs no personal data
	sealed   *personaldata.Store // events with personal data sealed and unsealed
	engine   *execution.Engine   // carries the commands out; Close it
	commands *commands.Handlers
	queries  *execution.Queries // the reads of the write model: members, profiles, tenants
	sessions *sessions.Service
	tokens   *sessionstore.Store    // the sessions' digests, purged of expired ones by serve
	hashing  *passwords.Budget      // bounds every Argon2id computation of commands and logins
	clients  access.ClientAddresses // who a request's client is (behind trusted proxies)
	// readModels are the read models the projectors keep: catalog.All(),
	// which a test may wrap to make one fail.
	readModels []projections.ReadModel
}

// wireServices checks the master key against the database and builds the
// command side over the sealing event store.
func wireServices(ctx context.Context, pool *pgxpool.Pool, key personaldata.MasterKey, store config.EventStore, hashing passwords.Params, settings accessSettings, log *slog.Logger) (*services, error) {
	if err := personaldata.CheckMasterKey(ctx, pool, key); err != nil {
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
	events, sealed, err := openEventStore(pool, key, store, log)
	if err != nil {
		return nil, err
	}
	engine, err := execution.New(execution.Config{
		Store: appendSealedReadRaw{sealed, events},
		// Over PostgreSQL a command checks its session in the step that
		// stores its events; KurrentDB declines (nil), and tokens are
		// checked first.
		Guard:       sealed.SessionGuard(),
		Snapshots:   snapshots.New(pool),
		Idempotency: idempotency.New(pool),
		// Profiles and password hashes are read with personal data opened.
		PersonalData: sealed,
		Logger:       log,
	})
	if err != nil {
		events.Close()
		return nil, fmt.Errorf("wire the command engine: %w", err)
	}
	handlers, err := commands.New(engine, commands.Config{Passwords: hasher, Screen: passwords.Screen{}, Emails: key.BlindIndex()})
	if err != nil {
		events.Close()
		return nil, fmt.Errorf("wire commands: %w", err)
	}
	tokens := sessionstore.New(pool)
	logins, err := sessions.New(sessions.Config{Store: tokens, Members: engine.Queries(), Passwords: hasher, Emails: key.BlindIndex(),
		OperatorToken: settings.OperatorToken, TTL: settings.TTL, Limits: settings.Limits, Clock: settings.Clock,
		DeferChecks: engine.ChecksSessions()})
	if err != nil {
		events.Close()
		return nil, fmt.Errorf("wire sessions: %w", err)
	}
	return &services{pool: pool, key: key, store: store, events: events, sealed: sealed, engine: engine, commands: handlers,
		queries: engine.Queries(), sessions: logins, tokens: tokens, hashing: budget, clients: settings.Clients, readModels: catalog.All()}, nil
}

// accessSettings configures authentication: the operator token, session
// lifetime, login limits and who a request's client is; and the budget of
// password hashing (zero: passwords.DefaultHashesAtOnce, DefaultHashWait).
type accessSettings struct {
	OperatorToken string
	TTL           time.Duration
	Limits        sessions.Limits
	Clients       access.ClientAddresses
	HashesAtOnce  int
	HashWait      time.Duration
	Clock         func() time.Time // the sessions' clock; nil: time.Now
}

// accessFrom turns configuration into accessSettings.
func accessFrom(operatorToken string, c config.Sessions, p config.Passwords, proxies config.Proxies) (accessSettings, error) {
	trusted, err := proxies.Prefixes()
	if err != nil {
		return accessSettings{}, err
	}
	clients, err := access.NewClientAddresses(trusted, proxies.ForwardedHeader)
	if err != nil {
		return accessSettings{}, err
	}
	return accessSettings{OperatorToken: operatorToken, TTL: c.TTL, Clients: clients, HashesAtOnce: p.HashesAtOnce, HashWait: p.HashWait,
		Limits: sessions.Limits{AccountBurst: c.AccountBurst, AccountEvery: c.AccountEvery, AddressBurst: c.AddressBurst,
			AddressEvery: c.AddressEvery, SlowAfter: c.SlowAfter, SlowMax: c.SlowMax}}, nil
}

// appendSealedReadRaw appends through the sealing store (personal data is
// encrypted, keys destroyed on deletion) and reads the raw events: the
// write model ignores personal data, so it is never decrypted for it.
type appendSealedReadRaw struct {
	*personaldata.Store
	raw eventstore.StreamReader
}

func (a appendSealedReadRaw) ReadStream(ctx context.Context, stream string, after int64, limit int) ([]eventstore.RecordedEvent, error) {
	return a.raw.ReadStream(ctx, stream, after, limit)
}

// Close stops what wireServices started.
func (s *services) Close() {
	s.engine.Close()
	s.events.Close()
}

// wireTool wires the services an operator tool runs on db: with key (the
// master key serve uses with the same flags, loaded by the tool before it
// opened the database: see loadMasterKey) and the default password hashing.
func wireTool(ctx context.Context, db *database, key personaldata.MasterKey, store config.EventStore, log *slog.Logger) (*services, error) {
	return wireServices(ctx, db.Pool, key, store, passwords.DefaultParams(), accessSettings{}, log)
}
