package provisioning

import (
	"context"
	"sync"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/scim"
	"github.com/rosterhq/roster/domain"
)

// AuthenticateSCIM resolves a SCIM connection's token on its tenant's base
// URL: a token of another shape costs no look-up; a well-formed one is
// checked against the tenant's write model caught up with the stream, so a
// revocation answered by any process refuses the next request here.
func (d *Directory) AuthenticateSCIM(ctx context.Context, tenant domain.TenantID, token string) (scim.Connection, bool, error) {
	digest, ok := commands.ScimTokenDigest(token)
	if !ok || !tenant.Valid() {
		return scim.Connection{}, false, nil
	}
	c, found, err := d.queries.ConnectionByToken(ctx, tenant, digest)
	if err != nil || !found {
		return scim.Connection{}, false, err
	}
	if err := d.recordUse(ctx, tenant, c.ID); err != nil {
		return scim.Connection{}, false, err
	}
	return scim.Connection{Tenant: tenant, ID: string(c.ID), Name: c.Name}, true, nil
}

// Uses keeps when each connection last authenticated.
type Uses interface {
	Record(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID, at time.Time) error
	LastUsed(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID) (time.Time, bool, error)
}

// LastUsed is when the connection last authenticated, on any process (to
// the minute: see recordUse).
func (d *Directory) LastUsed(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID) (time.Time, bool, error) {
	return d.uses.LastUsed(ctx, tenant, id)
}

// useEvery is how often a process records a connection's use: an identity
// provider's sync sends thousands of requests, and the owner's list needs
// the minute, not each request.
const useEvery = time.Minute

type useKey struct {
	tenant domain.TenantID
	id     domain.ConnectionID
}

// recorded remembers when this process last recorded each connection's
// use: a few bytes per connection, connections being few.
type recorded struct {
	mu sync.Mutex
	at map[useKey]time.Time
}

// due reports whether a use at now should be recorded, and notes it.
func (r *recorded) due(k useKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if last, ok := r.at[k]; ok && now.Sub(last) < useEvery {
		return false
	}
	if r.at == nil {
		r.at = map[useKey]time.Time{}
	}
	r.at[k] = now
	return true
}

// recordUse records the connection's use when this process has not for a
// minute.
func (d *Directory) recordUse(ctx context.Context, tenant domain.TenantID, id domain.ConnectionID) error {
	now := time.Now()
	if !d.recorded.due(useKey{tenant, id}, now) {
		return nil
	}
	return d.uses.Record(ctx, tenant, id, now)
}
