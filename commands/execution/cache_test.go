package execution_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// smallCache keeps about one small tenant's write model (a tenant of an
// owner and two users holds 4 records) and snapshots often, so that a
// reloaded model starts from a snapshot.
func smallCache(c *execution.Config) { c.CacheRecords, c.SnapshotEvery = 6, 2 }

func TestAnEvictedTenantsNextCommandDecidesOnEveryEventStored(t *testing.T) {
	onEachStore(t, func(t *testing.T, f *fixture) {
		one, other := f.handlers(smallCache), f.handlers()
		createTenant(t, one, "acme", domain.PresetHelpdesk, 10)
		invite(t, one, "acme", "ann", domain.RoleMember, true)
		invite(t, one, "acme", "bob", domain.RoleMember, true)
		if _, err := one.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "ann"}); err != nil {
			t.Fatal(err)
		}
		one.engine.Close() // the snapshot of acme, written in the background, is stored
		// Another tenant pushes acme out of one's cache.
		createTenant(t, one, "beta", domain.PresetHelpdesk, 10)
		invite(t, one, "beta", "cy", domain.RoleMember, true)
		if one.engine.Cached("acme") {
			t.Fatalf("acme is still cached: %+v", one.engine.CacheStats())
		}
		if s := one.engine.CacheStats(); s.Evicted == 0 || s.Records > 6 {
			t.Fatalf("cache after eviction: %+v", s)
		}
		// While acme is out of one's memory, another process changes it
		// after the snapshot one would reload from.
		if _, err := other.ReactivateUser.Handle(ctx, env("acme"), domain.ReactivateUser{Actor: op, User: "ann"}); err != nil {
			t.Fatal(err)
		}
		if _, err := other.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "bob"}); err != nil {
			t.Fatal(err)
		}
		// A model reloaded from the snapshot alone would take ann for
		// inactive (a no-op) and bob for active (a change).
		res, err := one.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "ann"})
		if err != nil || !res.Changed || res.Version != int64(f.streamLength("acme")) {
			t.Fatalf("deactivate ann after the eviction: %+v, %v; want a change at version %d", res, err, f.streamLength("acme"))
		}
		res, err = one.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "bob"})
		if err != nil || res.Changed {
			t.Fatalf("deactivate bob, whom another process deactivated: %+v, %v; want no change", res, err)
		}
		if !one.engine.Cached("acme") || one.engine.Cached("beta") {
			t.Fatalf("after acme's commands the cache should hold acme alone: %+v", one.engine.CacheStats())
		}
		replayed := f.replayed("acme")
		for _, id := range []domain.UserID{"owner", "ann", "bob"} {
			got, _, err := one.Member(ctx, "acme", id)
			want, _ := replayed.User(id)
			if err != nil || got.User.Status != want.Status || got.User.Version != want.Version {
				t.Errorf("%s as one holds them: %+v, %v; replayed: %+v", id, got.User, err, want)
			}
		}
	})
}

func TestTheMostRecentlyUsedTenantStaysCachedWhenItAloneIsOverTheBudget(t *testing.T) {
	f := newFixture(t)
	h := f.handlers(func(c *execution.Config) { c.CacheRecords = 2 })
	createTenant(t, h, "acme", domain.PresetHelpdesk, 10)
	invite(t, h, "acme", "ann", domain.RoleMember, true)
	invite(t, h, "acme", "bob", domain.RoleMember, true)
	evicted := h.engine.CacheStats().Evicted
	for range 3 {
		if _, err := h.ChangeSeats.Handle(ctx, env("acme"), domain.ChangeSeats{Actor: op, Seats: 20}); err != nil {
			t.Fatal(err)
		}
	}
	if s := h.engine.CacheStats(); !h.engine.Cached("acme") || s.Evicted != evicted || s.Tenants != 1 {
		t.Fatalf("a tenant over the budget on its own was dropped between its commands: %+v", s)
	}
}

// Commands on more tenants than the cache holds, from many goroutines at
// once: tenants are dropped and loaded again while others are pinned, and
// each tenant's seats are still never oversold, each stream holds every
// command once, and what the engine answers matches the stream.
func TestConcurrentCommandsOnMoreTenantsThanTheCacheHoldsStayExact(t *testing.T) {
	f := newFixture(t)
	setup := f.handlers()
	tenants := []domain.TenantID{"t0", "t1", "t2", "t3", "t4", "t5"}
	for _, tenant := range tenants {
		createTenant(t, setup, tenant, domain.PresetStrict, 3) // the owner and two more
		for i := range 4 {
			user := domain.UserID(fmt.Sprintf("u%d", i))
			invite(t, setup, tenant, user, domain.RoleMember, true)
			if _, err := setup.DeactivateUser.Handle(ctx, env(tenant), domain.DeactivateUser{Actor: op, User: user}); err != nil {
				t.Fatal(err)
			}
		}
	}
	h := f.handlers(func(c *execution.Config) { c.CacheRecords = 12 }) // about two tenants
	var wg sync.WaitGroup
	var mu sync.Mutex
	activated := map[domain.TenantID]int{}
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 4 {
				tenant := tenants[(w+round)%len(tenants)]
				user := domain.UserID(fmt.Sprintf("u%d", (w/len(tenants)+round)%4))
				res, err := h.ReactivateUser.Handle(ctx, env(tenant), domain.ReactivateUser{Actor: op, User: user})
				switch {
				case err == nil && res.Changed:
					mu.Lock()
					activated[tenant]++
					mu.Unlock()
				case err == nil, codeOf(err) == domain.CodeSeatLimit, codeOf(err) == domain.CodeInvalidTransition:
				default:
					t.Errorf("reactivate %s of %s: %v", user, tenant, err)
				}
			}
		}()
	}
	wg.Wait()
	if h.engine.CacheStats().Evicted == 0 {
		t.Fatalf("no tenant was dropped: the test did not test eviction (%+v)", h.engine.CacheStats())
	}
	for _, tenant := range tenants {
		replayed := f.replayed(tenant)
		active := 0
		for _, id := range []domain.UserID{"owner", "u0", "u1", "u2", "u3"} {
			if u, _ := replayed.User(id); u.Status == domain.StatusActive {
				active++
			}
		}
		if purchased, used := replayed.Seats(); used > purchased || active != 1+activated[tenant] {
			t.Errorf("%s: %d of %d seats used, %d active in its stream, %d reactivations answered as changes", tenant, used, purchased, active, activated[tenant])
		}
	}
}
