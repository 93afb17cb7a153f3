package execution

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/rosterhq/roster/domain"
)

// DefaultCacheRecords is how many records (users, teams, work items, and
// one per tenant) the write models of a process may hold between commands
// by default. bench/RESULTS.md measures about 1 KiB of memory per record
// (a 100,000-user tenant's write model), so the default keeps them near
// 1 GiB however many tenants the process serves.
const DefaultCacheRecords = 1_000_000

// modelCache holds the write models of the tenants this process serves,
// bounded by the records they hold: when a request is done with a tenant
// and the models hold more than the budget, the least recently used ones
// are dropped, to be loaded again (from their snapshot and the events
// after it) by the next request that needs them.
//
// Only idle models are dropped. A request pins the model it works on from
// get to release, so a tenant never has two models in this process (two
// would let its commands race each other into version conflicts instead of
// queueing). The most recently used model is kept even when it alone is
// over the budget: dropping it would make every command of a large tenant
// load it again.
type modelCache struct {
	budget int64 // records; 0 or less: unbounded

	mu      sync.Mutex
	tenants map[domain.TenantID]*writeModel
	recent  list.List // of *writeModel, the most recently released in front
	held    int64     // records of the models in tenants, as last counted

	evicted atomic.Int64 // models dropped, for the metrics and tests
}

// cacheEntry is a write model's place in its cache, guarded by the cache's mu.
type cacheEntry struct {
	tenant  domain.TenantID
	pins    int           // requests between get and release
	counted int64         // records counted in modelCache.held
	element *list.Element // in modelCache.recent
	// records is what the model holds, counted by whoever holds its lock
	// (noteRecords) and read here without it.
	records atomic.Int64
}

func newModelCache(budget int64) *modelCache {
	return &modelCache{budget: budget, tenants: map[domain.TenantID]*writeModel{}}
}

// get returns the tenant's write model, creating it empty, pinned until
// release: it is not dropped while the caller works on it.
func (c *modelCache) get(tenant domain.TenantID) *writeModel {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.tenants[tenant]
	if m == nil {
		m = &writeModel{}
		m.entry.tenant, m.entry.counted = tenant, 1
		m.entry.element = c.recent.PushFront(m)
		c.tenants[tenant] = m
		c.held++
	}
	m.entry.pins++
	return m
}

// lookup returns the tenant's write model if the cache holds it, creating
// none and pinning nothing: for lock-free reads of what the model has
// committed, which stay right if the model is dropped meanwhile (a dropped
// model only stops being caught up).
func (c *modelCache) lookup(tenant domain.TenantID) *writeModel {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tenants[tenant]
}

// release unpins m, marks it the most recently used, recounts its records
// and drops the least recently used idle models while the cache holds more
// than its budget.
func (c *modelCache) release(m *writeModel) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m.entry.pins--
	if c.tenants[m.entry.tenant] != m {
		return // dropped before it was pinned (cannot happen: get pins under mu)
	}
	records := 1 + m.entry.records.Load()
	c.held += records - m.entry.counted
	m.entry.counted = records
	c.recent.MoveToFront(m.entry.element)
	c.evict()
}

// evict drops idle models from the least recently used end until the cache
// is within its budget, keeping the front one. The caller holds mu.
func (c *modelCache) evict() {
	if c.budget <= 0 {
		return
	}
	for e := c.recent.Back(); e != nil && e != c.recent.Front() && c.held > c.budget; {
		m, previous := e.Value.(*writeModel), e.Prev()
		if m.entry.pins == 0 {
			c.recent.Remove(e)
			delete(c.tenants, m.entry.tenant)
			c.held -= m.entry.counted
			c.evicted.Add(1)
		}
		e = previous
	}
}

// CacheStats say what the cache of write models holds and has dropped.
type CacheStats struct {
	Tenants int   // write models held
	Records int64 // records they hold, as counted when last released
	Budget  int64 // records they may hold (0 or less: unbounded)
	Evicted int64 // write models dropped since the engine started
}

// CacheStats report what the engine's cache of write models holds.
func (e *Engine) CacheStats() CacheStats {
	c := e.models.modelCache
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Tenants: len(c.tenants), Records: c.held, Budget: c.budget, Evicted: c.evicted.Load()}
}

// noteRecords counts the records m's state holds, for the cache's budget;
// the caller holds m.mu.
func (m *writeModel) noteRecords() {
	var n int64
	if m.state != nil {
		n = int64(m.state.Size())
	}
	m.entry.records.Store(n)
}
