package execution

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Queries are the reads of the write model (and of the stream behind it)
// that other packages need: the members sessions check tokens against, the
// profiles and instants replies render, whether a tenant exists. They read
// the engine's cached write models, never loading a tenant a caller could
// name at will before its token is known to be good (CatchUp, CachedAt).
type Queries struct {
	models     *writeModels
	personal   eventstore.StreamReader // nil: no profiles
	identities identities
}

// Member is a user as the write model has them, with their tenant's policy:
// what sessions need to decide whether a token or a login is still good.
type Member struct {
	User   domain.UserView
	Policy domain.Policy
}

// Member returns the user, deleted ones included, as of every event stored
// when it is called: the cached write model is first caught up with the
// stream (one read, usually empty), so that a revocation answered by any
// process is seen by the next request here. found is false when neither the
// tenant nor the user exists.
func (q *Queries) Member(ctx context.Context, tenant domain.TenantID, user domain.UserID) (m Member, found bool, err error) {
	err = q.models.current(ctx, tenant, func(s *domain.Tenant) {
		var u domain.UserView
		if u, found = s.User(user); found {
			m = Member{User: u, Policy: s.Policy()}
		}
	})
	return m, found, err
}

// MemberByEmailIndex is Member for the non-deleted user whose e-mail
// address has the blind index index (of its domain.NormalizeEmail form).
func (q *Queries) MemberByEmailIndex(ctx context.Context, tenant domain.TenantID, index string) (Member, bool, error) {
	return q.memberFound(ctx, tenant, func(s *domain.Tenant) (domain.UserView, bool) { return s.UserByEmailIndex(index) })
}

// MemberByExternalIDIndex is Member for the non-deleted user whose external
// id has the blind index index.
func (q *Queries) MemberByExternalIDIndex(ctx context.Context, tenant domain.TenantID, index string) (Member, bool, error) {
	return q.memberFound(ctx, tenant, func(s *domain.Tenant) (domain.UserView, bool) { return s.UserByExternalIDIndex(index) })
}

// memberFound is Member for the user find finds in the current state.
func (q *Queries) memberFound(ctx context.Context, tenant domain.TenantID, find func(*domain.Tenant) (domain.UserView, bool)) (m Member, found bool, err error) {
	err = q.models.current(ctx, tenant, func(s *domain.Tenant) {
		var u domain.UserView
		if u, found = find(s); found {
			m = Member{User: u, Policy: s.Policy()}
		}
	})
	return m, found, err
}

// View calls read with the tenant's write model as of every event stored
// when it is called, for a caller that reads several things of one state
// at once (one catch-up, not one per thing). read must only read: call the
// state's query methods, keep nothing of it past its return.
func (q *Queries) View(ctx context.Context, tenant domain.TenantID, read func(*domain.Tenant)) error {
	return q.models.current(ctx, tenant, read)
}

// ViewCached is View without the catch-up when this process holds the
// tenant's write model: read sees it as of its latest catch-up or commit
// here. For a request whose authentication caught the model up a moment
// before (a SCIM connection's token is checked against the current state),
// so that one request reads the stream's tail once, not once per read.
func (q *Queries) ViewCached(ctx context.Context, tenant domain.TenantID, read func(*domain.Tenant)) error {
	if m := q.models.lookup(tenant); m != nil && m.committed.version.Load() > 0 {
		m.mu.Lock()
		held := m.state != nil
		if held {
			read(m.state)
		}
		m.mu.Unlock()
		if held {
			return nil
		}
	}
	return q.View(ctx, tenant, read)
}

// Teams returns every team of the tenant, in id order, as of every event
// stored when it is called.
func (q *Queries) Teams(ctx context.Context, tenant domain.TenantID) (teams []domain.TeamView, err error) {
	err = q.models.current(ctx, tenant, func(s *domain.Tenant) { teams = s.Teams() })
	return teams, err
}

// ConnectionByToken returns the tenant's live SCIM connection whose token has
// digest digest, as of every event stored when it is called (a revocation
// answered by any process is seen at once). It loads the tenant's write
// model only when the tenant exists: the caller's token is not yet known to
// be good, but it had the shape of a token (commands.ScimTokenDigest).
func (q *Queries) ConnectionByToken(ctx context.Context, tenant domain.TenantID, digest string) (c domain.ConnectionView, found bool, err error) {
	if exists, err := q.TenantExists(ctx, tenant); err != nil || !exists {
		return domain.ConnectionView{}, false, err
	}
	err = q.models.current(ctx, tenant, func(s *domain.Tenant) { c, found = s.ConnectionByToken(digest) })
	return c, found, err
}

// Connections returns the tenant's SCIM connections, revoked ones included,
// as of every event stored when it is called.
func (q *Queries) Connections(ctx context.Context, tenant domain.TenantID) (cs []domain.ConnectionView, err error) {
	err = q.models.current(ctx, tenant, func(s *domain.Tenant) { cs = s.Connections() })
	return cs, err
}

// TenantExists reports whether tenant was created, as of every event stored
// when it is called: from memory when this process holds the tenant's write
// model (a tenant, once created, always exists), else from the first event
// of its stream (one indexed read, loading nothing: the caller may name any
// tenant it likes).
func (q *Queries) TenantExists(ctx context.Context, tenant domain.TenantID) (bool, error) {
	if m := q.models.lookup(tenant); m != nil && m.committed.version.Load() > 0 {
		return true, nil
	}
	first, err := q.models.store.ReadStream(ctx, domain.TenantStream(tenant), 0, 1)
	return len(first) > 0, wrapRead(tenant, err)
}

// CatchUp brings the tenant's write model, if it is in memory, up to every
// event stored when it is called, and reports whether it was; Cached then
// reads it (CachedAt). It never loads a tenant: a request naming any tenant it likes
// must not make the process load it before its token is known to be good.
//
// It takes no lock unless another process appended since: commands hold the
// tenant's lock through their appends, and every request checks its token,
// so a check that took the lock would queue behind each commit in flight.
func (q *Queries) CatchUp(ctx context.Context, tenant domain.TenantID) (loaded bool, err error) {
	m := q.models.lookup(tenant)
	if m == nil {
		return false, nil
	}
	from := m.committed.version.Load()
	if from == 0 {
		return false, nil
	}
	page, err := q.models.store.ReadStream(ctx, domain.TenantStream(tenant), from, readPage)
	if err != nil || len(page) == 0 {
		return err == nil, wrapRead(tenant, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return false, nil
	}
	if err := q.models.applyNewer(m, page); err != nil {
		return false, err
	}
	if len(page) == readPage { // far behind: finish under the lock
		_, err = q.models.catchUp(ctx, tenant, m)
	}
	m.noteRecords()
	return m.state != nil, err
}

func wrapRead(tenant domain.TenantID, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("execution: read %s: %w", domain.TenantStream(tenant), err)
}

// CachedAt is Member without I/O: the user as committed to the cached write
// model, provided it holds every event up to stream version head. current
// is false when it does not (or the tenant is not in memory): then catch up
// or call Member.
func (q *Queries) CachedAt(tenant domain.TenantID, user domain.UserID, head int64) (m Member, found, current bool) {
	wm := q.models.lookup(tenant)
	if wm == nil || wm.committed.version.Load() == 0 || wm.committed.version.Load() < head {
		return Member{}, false, false
	}
	if m, ok := wm.committed.member(user); ok {
		return m, true, true
	}
	// First check of this user: read them under the lock, and remember them.
	wm.mu.Lock()
	defer wm.mu.Unlock()
	if wm.state == nil {
		return Member{}, false, false
	}
	wm.committed.remember(wm.state, user)
	m, found = wm.committed.member(user)
	return m, found, true
}

// current runs read on the tenant's state caught up with the stream, under
// the tenant's lock. An unknown tenant reads as the zero (non-existent) state.
func (w *writeModels) current(ctx context.Context, tenant domain.TenantID, read func(*domain.Tenant)) error {
	if !tenant.Valid() {
		read(&domain.Tenant{})
		return nil
	}
	m, unlock, err := w.lockCurrent(ctx, tenant)
	if err != nil {
		return err
	}
	defer unlock()
	read(m.state)
	return nil
}
