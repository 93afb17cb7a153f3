package execution_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/idempotency"
	"github.com/rosterhq/roster/infra/kurrentdb"
	"github.com/rosterhq/roster/infra/kurrentdb/kurrentdbfake"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/snapshots"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	op  = domain.OperatorActor()
	ctx = context.Background()
)

// fixture is one database with an event store; each handlers() call is
// another process's command side on it.
type fixture struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store execution.EventStore
}

// process is one process's command side: the engine, the use cases over
// it, and the engine's queries.
type process struct {
	*commands.Handlers
	*execution.Queries
	engine *execution.Engine
}

// CarryOutTogether carries out cmds as one batch (see the engine's).
func (p *process) CarryOutTogether(ctx context.Context, env execution.Envelope, cmds ...domain.Command) ([]execution.Result, []error) {
	return p.engine.CarryOutTogether(ctx, env, cmds...)
}

// CarryOutTogetherIn carries out cmds as one batch, each with its envelope.
func (p *process) CarryOutTogetherIn(ctx context.Context, envs []execution.Envelope, cmds []domain.Command) ([]execution.Result, []error) {
	return p.engine.CarryOutTogetherIn(ctx, envs, cmds)
}

// newFixture keeps the events in PostgreSQL.
func newFixture(t *testing.T) *fixture {
	t.Parallel()
	pool := pgtest.NewPool(t)
	store := pgstore.New(pool, pgstore.Options{})
	t.Cleanup(store.Close)
	return &fixture{t: t, pool: pool, store: store}
}

// newKurrentDBFixture keeps the events in a fake KurrentDB of its own
// (reached through the real client), the rest in PostgreSQL.
func newKurrentDBFixture(t *testing.T) *fixture {
	t.Parallel()
	pool := pgtest.NewPool(t)
	fake, err := kurrentdbfake.Start(kurrentdbfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	store, err := kurrentdb.Open(fake.URL(), kurrentdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return &fixture{t: t, pool: pool, store: store}
}

// onEachStore runs test as a subtest on each event store.
func onEachStore(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("postgresql", func(t *testing.T) { test(t, newFixture(t)) })
	t.Run("kurrentdb", func(t *testing.T) { test(t, newKurrentDBFixture(t)) })
}

// handlers wires another process's command side, as the service does: over
// PostgreSQL, commands check their sessions with their appends (the store's
// eventstore.SessionGuard); KurrentDB declines it.
func (f *fixture) handlers(tweak ...func(*execution.Config)) *process {
	hasher, err := passwords.New(passwords.TestParams())
	if err != nil {
		f.t.Fatal(err)
	}
	index, err := personaldata.NewBlindIndex([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.t.Fatal(err)
	}
	guard, _ := f.store.(eventstore.SessionGuard)
	cfg := execution.Config{Store: f.store, Guard: guard, Snapshots: snapshots.New(f.pool), Idempotency: idempotency.New(f.pool)}
	for _, fn := range tweak {
		fn(&cfg)
	}
	engine, err := execution.New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(engine.Close)
	h, err := commands.New(engine, commands.Config{Passwords: hasher, Screen: passwords.Screen{}, Emails: index})
	if err != nil {
		f.t.Fatal(err)
	}
	return &process{Handlers: h, Queries: engine.Queries(), engine: engine}
}

func env(tenant domain.TenantID) execution.Envelope { return execution.Envelope{Tenant: tenant} }

// createTenant makes a tenant whose owner is "owner".
func createTenant(t *testing.T, h *process, tenant domain.TenantID, preset string, seats int) execution.Result {
	t.Helper()
	res, err := h.CreateTenant.Handle(ctx, env(tenant), commands.CreateTenant{Actor: op, Tenant: tenant, Name: "Acme",
		Preset: preset, Seats: seats, Owner: commands.NewOwner{ID: "owner", Email: "owner@acme.test", Name: "Olive Owner", Password: "correct horse"}})
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return res
}

func invite(t *testing.T, h *process, tenant domain.TenantID, id domain.UserID, role domain.Role, activate bool) {
	t.Helper()
	_, err := h.InviteUser.Handle(ctx, env(tenant), commands.InviteUser{Actor: op, User: id,
		Email: string(id) + "@acme.test", Name: "User " + string(id), Role: role, Activate: activate})
	if err != nil {
		t.Fatalf("invite %s: %v", id, err)
	}
}

func codeOf(err error) domain.Code {
	var e *domain.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return domain.CodeInternal
}

// replayed rebuilds a tenant straight from its stream, ignoring every cache.
func (f *fixture) replayed(tenant domain.TenantID) *domain.Tenant {
	f.t.Helper()
	s := &domain.Tenant{}
	events, err := f.store.ReadStream(ctx, domain.TenantStream(tenant), 0, 1_000_000)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, rec := range events {
		e, err := domain.DecodeEvent(rec.Type, rec.SchemaVersion, rec.Payload)
		if err != nil {
			f.t.Fatal(err)
		}
		domain.Evolve(s, e)
	}
	return s
}

func (f *fixture) streamLength(tenant domain.TenantID) int {
	f.t.Helper()
	events, err := f.store.ReadStream(ctx, domain.TenantStream(tenant), 0, 1_000_000)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(events)
}
