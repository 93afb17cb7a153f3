package webhooks

import (
	"sync"

	"github.com/rosterhq/roster/domain"
)

// endpointKey names an endpoint across tenants.
type endpointKey struct {
	tenant domain.TenantID
	id     string
}

// inFlight counts this process's attempts under way, per endpoint: a slow
// or hanging receiver may hold at most PerEndpoint of the Concurrency
// slots, so that it cannot hold up every other tenant's deliveries.
type inFlight struct {
	mu     sync.Mutex
	total  int
	counts map[endpointKey]int
}

func (f *inFlight) add(k endpointKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[endpointKey]int{}
	}
	f.counts[k]++
	f.total++
}

func (f *inFlight) done(k endpointKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total--
	if f.counts[k]--; f.counts[k] == 0 {
		delete(f.counts, k)
	}
}

// busy is how many attempts are under way in all, and per endpoint as the
// claim takes them: parallel arrays of tenants, endpoint ids and counts.
type busy struct {
	total   int
	tenants []string
	ids     []string
	counts  []int
}

func (f *inFlight) snapshot() busy {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := busy{total: f.total}
	for k, n := range f.counts {
		b.tenants, b.ids, b.counts = append(b.tenants, string(k.tenant)), append(b.ids, k.id), append(b.counts, n)
	}
	return b
}

// String is the key as keySQL writes it.
func (k endpointKey) String() string { return string(k.tenant) + "/" + k.id }

// atLeast are the keys of the endpoints with n attempts under way or more
// (never nil: SQL's <> ALL of NULL is NULL).
func (b busy) atLeast(n int) []string {
	keys := []string{}
	for i, c := range b.counts {
		if c >= n {
			keys = append(keys, endpointKey{domain.TenantID(b.tenants[i]), b.ids[i]}.String())
		}
	}
	return keys
}
