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
	d.use.record(tenant, c.ID, time.Now())
	return scim.Connection{Tenant: tenant, ID: string(c.ID), Name: c.Name}, true, nil
}

// LastUsed is when this process last authenticated the connection.
func (d *Directory) LastUsed(_ context.Context, tenant domain.TenantID, id domain.ConnectionID) (time.Time, bool) {
	return d.use.last(tenant, id)
}

type useKey struct {
	tenant domain.TenantID
	id     domain.ConnectionID
}

// connectionUse remembers, per process, when each connection last
// authenticated: a few bytes per connection, connections being few.
type connectionUse struct {
	mu sync.Mutex
	at map[useKey]time.Time
}

func (u *connectionUse) record(tenant domain.TenantID, id domain.ConnectionID, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.at == nil {
		u.at = map[useKey]time.Time{}
	}
	u.at[useKey{tenant, id}] = at
}

func (u *connectionUse) last(tenant domain.TenantID, id domain.ConnectionID) (time.Time, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	at, ok := u.at[useKey{tenant, id}]
	return at, ok
}
