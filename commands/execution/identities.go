package execution

import (
	"sync"
	"time"

	"github.com/rosterhq/roster/domain"
)

// maxIdentities bounds the identity cache: about 100 bytes each.
const maxIdentities = 100_000

type identityKey struct {
	tenant domain.TenantID
	user   domain.UserID
}

// identity is a user's profile as of their profile's stream version.
type identity struct {
	pii       domain.PersonalData // the profile: no password hash
	at        time.Time           // creation
	profileAt int64               // the stream version pii was read at
}

// identities caches users' identities for rendering. It holds personal data
// in memory only; a deleted user's entry is dropped as soon as a render sees
// the deletion (and is never served for a deleted user meanwhile).
type identities struct {
	mu      sync.Mutex
	entries map[identityKey]identity
}

func (c *identities) get(k identityKey) (identity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.entries[k]
	return id, ok
}

// put stores id, first dropping an arbitrary entry when full (Go's map order
// makes it a random one: no bookkeeping for a cache that only saves a read).
func (c *identities) put(k identityKey, id identity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[identityKey]identity{}
	}
	if len(c.entries) >= maxIdentities {
		for victim := range c.entries {
			delete(c.entries, victim)
			break
		}
	}
	c.entries[k] = id
}

func (c *identities) forget(k identityKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}
