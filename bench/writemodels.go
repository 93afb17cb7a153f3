package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

const (
	// manyTenants is how many tenants the cache suite commands across.
	manyTenants = 10_000
	// smallTenantUsers is the users of each of them, besides the owner.
	smallTenantUsers = 5
	// smallTenantRecords is what such a tenant's write model holds: its
	// users and one for the tenant.
	smallTenantRecords = smallTenantUsers + 2
	// cachedShare is the share of the tenants the bounded cache holds.
	cachedShare = 10
)

// runWriteModelCache compares commands across 10,000 small tenants, chosen
// at random (the worst case for a cache: no tenant is hotter than another),
// on an engine whose cache holds a tenth of them with one that holds all.
// Each engine has its own 10,000 tenants, so that neither's commands make
// the other's cached models stale. It also measures what a write model
// costs in memory: per small tenant and for a tenant of 100,000 users.
func runWriteModelCache(ctx context.Context, e *env) ([]result, error) {
	all, err := newCommandEnv(e, func(c *execution.Config) { c.CacheRecords = -1 })
	if err != nil {
		return nil, err
	}
	defer all.close()
	bounded, err := newCommandEnv(e, func(c *execution.Config) { c.CacheRecords = manyTenants / cachedShare * smallTenantRecords })
	if err != nil {
		return nil, err
	}
	defer bounded.close()
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	tenantsOf := func(side string) []domain.TenantID {
		out := make([]domain.TenantID, manyTenants)
		for i := range out {
			out[i] = domain.TenantID(fmt.Sprintf("%s-%d-%s", side, i, run))
		}
		return out
	}
	allTenants, boundedTenants := tenantsOf("all"), tenantsOf("bounded")
	for _, t := range append(append([]domain.TenantID{}, allTenants...), boundedTenants...) {
		if err := seedTenant(ctx, all.store, all.emails, t, smallTenantUsers); err != nil {
			return nil, fmt.Errorf("seed %s: %w", t, err)
		}
	}
	perTenant, err := loadAll(ctx, all, allTenants)
	if err == nil {
		_, err = loadAll(ctx, bounded, boundedTenants)
	}
	if err != nil {
		return nil, err
	}
	fmt.Printf("memory of a small tenant's write model (owner and %d users, %d events): %.1f KiB of heap, %.1f KiB of RSS\n",
		smallTenantUsers, smallTenantUsers+1, perTenant.heap/1024, perTenant.rss/1024)
	base, subj, err := compare(ctx, e, 8, randomToggles(all, allTenants), randomToggles(bounded, boundedTenants))
	if err != nil {
		return nil, err
	}
	stats := bounded.handlers.engine.CacheStats()
	fmt.Printf("bounded cache after the run: %d tenants, %d records held (budget %d), %d evicted\n",
		stats.Tenants, stats.Records, stats.Budget, stats.Evicted)
	big, err := bigTenantMemory(ctx, e, run)
	if err != nil {
		return nil, err
	}
	fmt.Printf("memory of a 100,000-user tenant's write model (200,001 events): %.0f MiB of heap, %.0f MiB of RSS (%.2f KiB of heap per user)\n",
		big.heap/(1<<20), big.rss/(1<<20), big.heap/1024/bigTenantUsers)
	return []result{{name: fmt.Sprintf("deactivate/reactivate across %d tenants at random, 8 clients, cache holding a tenth of them; baseline: a cache holding all",
		manyTenants), unit: "commands/s", baseline: base, subject: subj, target: "—"}}, nil
}

// memory is what some write models cost: the Go heap live after a
// collection, and the process's resident memory.
type memory struct{ heap, rss float64 }

// memoryNow collects garbage, returns what it can to the system, and reads
// what is left.
func memoryNow() memory {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memory{heap: float64(m.HeapAlloc), rss: float64(residentBytes())}
}

// residentBytes is the process's resident memory (VmRSS), 0 where /proc
// does not say.
func residentBytes() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib * 1024
		}
	}
	return 0
}

// loadAll loads every tenant into c's cache (one command each, which also
// makes each toggle's first command a reactivation) and returns the memory
// it took per tenant.
func loadAll(ctx context.Context, c *commandEnv, tenants []domain.TenantID) (memory, error) {
	before := memoryNow()
	for _, t := range tenants {
		if err := c.toggle(ctx, t, "u-0", true); err != nil {
			return memory{}, err
		}
	}
	after := memoryNow()
	n := float64(len(tenants))
	return memory{heap: (after.heap - before.heap) / n, rss: (after.rss - before.rss) / n}, nil
}

// randomToggles deactivates or reactivates, whichever changes it, a user
// of a tenant chosen at random, each tenant's users in turn (after
// loadAll).
func randomToggles(c *commandEnv, tenants []domain.TenantID) func(int) operation {
	turns := make([]atomic.Int64, len(tenants))
	return func(int) operation {
		return func(ctx context.Context, _ int) (int, error) {
			i := rand.IntN(len(tenants))
			// Turn n toggles u-(n mod 5), on pass n/5: the even passes
			// deactivate. u-0 is first met on pass 1, already deactivated.
			n := turns[i].Add(1)
			user := domain.UserID(fmt.Sprintf("u-%d", n%smallTenantUsers))
			return 1, c.toggle(ctx, tenants[i], user, (n/smallTenantUsers)%2 == 0)
		}
	}
}

// bigTenantMemory seeds a tenant of 100,000 users and returns what its
// write model takes in memory once loaded, in an engine of its own.
func bigTenantMemory(ctx context.Context, e *env, run string) (memory, error) {
	c, err := newCommandEnv(e, func(c *execution.Config) { c.CacheRecords = -1 })
	if err != nil {
		return memory{}, err
	}
	defer c.close()
	tenant := domain.TenantID("memory-" + run)
	if err := seedTenant(ctx, c.store, c.emails, tenant, bigTenantUsers); err != nil {
		return memory{}, err
	}
	before := memoryNow()
	if err := c.toggle(ctx, tenant, "u-0", true); err != nil {
		return memory{}, err
	}
	after := memoryNow()
	return memory{heap: after.heap - before.heap, rss: after.rss - before.rss}, nil
}
