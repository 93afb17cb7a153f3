package execution_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
)

// newFixtureBehindProxy is newFixture over a connection through a proxy the
// test can break, and a fixture of the same database reached directly
// (another process's).
func newFixtureBehindProxy(t *testing.T) (through, direct *fixture, proxy *pgtest.Proxy) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	proxy, proxied := pgtest.NewProxy(t, url)
	fixtureOn := func(url string) *fixture {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		store := pgstore.New(pool, pgstore.Options{})
		t.Cleanup(store.Close)
		return &fixture{t: t, pool: pool, store: store}
	}
	return fixtureOn(proxied), fixtureOn(url), proxy
}

// back lets connections through the proxy again and drops the pool's
// connections it broke: pgxpool hands out an idle connection without a
// check for its first second, and these tests are not about the first
// request after an outage meeting one of those.
func back(f *fixture, proxy *pgtest.Proxy) {
	proxy.Up()
	f.pool.Reset()
}

// Found by the outage test: a tenant whose reload failed (the snapshot
// could not be read) stayed cached as an empty tenant, so a token check
// applying newer events to it failed ("version 39 after 0") with a 500.
func TestAWriteModelWhoseReloadFailedIsNotTakenForAnEmptyTenant(t *testing.T) {
	through, direct, proxy := newFixtureBehindProxy(t)
	h := through.handlers()
	createTenant(t, h, "acme", "strict", 10)
	invite(t, h, "acme", "ann", domain.RoleMember, true)
	proxy.Down()
	// A no-op is answered once the stream's tail is read: that read fails,
	// and the cached state is dropped; the next command reloads the tenant,
	// and its snapshot read fails too.
	for i := range 2 {
		_, err := h.ActivateUser.Handle(ctx, env("acme"), domain.ActivateUser{Actor: op, User: "ann"})
		if codeOf(err) != domain.CodeUnavailable {
			t.Fatalf("command %d with the database down: %v, want unavailable", i+1, err)
		}
	}
	back(through, proxy)
	invite(t, direct.handlers(), "acme", "bea", domain.RoleMember, false) // another process moves the stream on
	if _, err := h.CatchUp(ctx, "acme"); err != nil {
		t.Fatalf("a token check's catch-up after the outage: %v", err)
	}
	if _, found, err := h.Member(ctx, "acme", "bea"); err != nil || !found {
		t.Fatalf("the user the other process invited: found %t, %v", found, err)
	}
}

// An outage is never recorded as the outcome of an idempotency key: the
// key's retry, once the database is back, carries the command out.
func TestAKeyedCommandMetByAnOutageIsCarriedOutByItsRetry(t *testing.T) {
	through, _, proxy := newFixtureBehindProxy(t)
	h := through.handlers()
	createTenant(t, h, "acme", "strict", 10)
	keyed := execution.Envelope{Tenant: "acme", IdempotencyKey: "k1"}
	in := commands.InviteUser{Actor: op, User: "ann", Email: "ann@acme.test", Name: "Ann", Role: domain.RoleMember}
	proxy.Down()
	if _, err := h.InviteUser.Handle(ctx, keyed, in); codeOf(err) != domain.CodeUnavailable {
		t.Fatalf("with the database down: %v, want unavailable", err)
	}
	back(through, proxy)
	res, err := h.InviteUser.Handle(ctx, keyed, in)
	if err != nil || !res.Changed || res.Replayed {
		t.Fatalf("the retry: %+v, %v; want the invitation carried out now", res, err)
	}
}
