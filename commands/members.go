package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

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
func (h *Handlers) Member(ctx context.Context, tenant domain.TenantID, user domain.UserID) (m Member, found bool, err error) {
	err = h.models.current(ctx, tenant, func(s *domain.Tenant) {
		var u domain.UserView
		if u, found = s.User(user); found {
			m = Member{User: u, Policy: s.Policy()}
		}
	})
	return m, found, err
}

// MemberByEmail is Member for the non-deleted user with that e-mail address
// (compared in domain.NormalizeEmail's form, through its blind index).
func (h *Handlers) MemberByEmail(ctx context.Context, tenant domain.TenantID, email string) (m Member, found bool, err error) {
	normalized, err := domain.NormalizeEmail(email)
	if err != nil {
		return Member{}, false, nil // no user has an address that is not one
	}
	index := h.deps.emails.EmailIndex(normalized)
	err = h.models.current(ctx, tenant, func(s *domain.Tenant) {
		var u domain.UserView
		if u, found = s.UserByEmailIndex(index); found {
			m = Member{User: u, Policy: s.Policy()}
		}
	})
	return m, found, err
}

// TenantExists reports whether tenant was created, as of every event stored
// when it is called: from memory when this process holds the tenant's write
// model (a tenant, once created, always exists), else from the first event
// of its stream (one indexed read, loading nothing: the caller may name any
// tenant it likes).
func (h *Handlers) TenantExists(ctx context.Context, tenant domain.TenantID) (bool, error) {
	if m := h.models.lookup(tenant); m != nil && m.committed.version.Load() > 0 {
		return true, nil
	}
	first, err := h.models.store.ReadStream(ctx, StreamOf(tenant), 0, 1)
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
func (h *Handlers) CatchUp(ctx context.Context, tenant domain.TenantID) (loaded bool, err error) {
	m := h.models.lookup(tenant)
	if m == nil {
		return false, nil
	}
	from := m.committed.version.Load()
	if from == 0 {
		return false, nil
	}
	page, err := h.models.store.ReadStream(ctx, StreamOf(tenant), from, readPage)
	if err != nil || len(page) == 0 {
		return err == nil, wrapRead(tenant, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return false, nil
	}
	if err := h.models.applyNewer(m, page); err != nil {
		return false, err
	}
	if len(page) == readPage { // far behind: finish under the lock
		_, err = h.models.catchUp(ctx, tenant, m)
	}
	return m.state != nil, err
}

func wrapRead(tenant domain.TenantID, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("commands: read %s: %w", StreamOf(tenant), err)
}

// CachedAt is Member without I/O: the user as committed to the cached write
// model, provided it holds every event up to stream version head. current
// is false when it does not (or the tenant is not in memory): then catch up
// or call Member.
func (h *Handlers) CachedAt(tenant domain.TenantID, user domain.UserID, head int64) (m Member, found, current bool) {
	wm := h.models.lookup(tenant)
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

// lookup returns the tenant's write model if there is one, creating none.
func (w *writeModels) lookup(tenant domain.TenantID) *writeModel {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tenants[tenant]
}

// current runs read on the tenant's state caught up with the stream, under
// the tenant's lock. An unknown tenant reads as the zero (non-existent) state.
func (w *writeModels) current(ctx context.Context, tenant domain.TenantID, read func(*domain.Tenant)) error {
	if !tenant.Valid() {
		read(&domain.Tenant{})
		return nil
	}
	m := w.get(tenant)
	m.mu.Lock()
	defer m.mu.Unlock()
	var err error
	if m.state == nil {
		err = w.load(ctx, tenant, m)
	} else {
		_, err = w.catchUp(ctx, tenant, m)
	}
	if err != nil {
		return err
	}
	read(m.state)
	return nil
}

// Profile is what the write model leaves out of a user: their personal data
// and the instants of their first and latest events, read back from the
// stream (through the store that opens sealed personal data).
type Profile struct {
	domain.PersonalData
	CreatedAt, UpdatedAt time.Time
}

// ErrNoPersonalData is returned by Profile and PasswordHash when the handlers
// were built without Config.PersonalData.
var ErrNoPersonalData = errors.New("commands: no personal-data reader configured")

// Profile reads u's personal data (erased once deleted) and instants. recent
// is the result of a command just carried out (zero if none): the instants
// of its events are known without reading them. A user's e-mail, name and
// creation never change but for erasure, which u's status tells, so they are
// cached: rendering a user usually costs no read at all.
func (h *Handlers) Profile(ctx context.Context, tenant domain.TenantID, u domain.UserView, recent Result) (Profile, error) {
	created, err := h.identity(ctx, tenant, u, recent)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{PersonalData: created.pii, CreatedAt: created.at, UpdatedAt: created.at}
	if u.Status == domain.StatusDeleted {
		p.PersonalData = domain.PersonalData{Erased: true}
	}
	switch {
	case u.LastAt <= u.CreatedAt:
	case recent.First > 0 && !recent.At.IsZero() && u.LastAt >= recent.First:
		p.UpdatedAt = recent.At
	default:
		if p.UpdatedAt, err = h.InstantAt(ctx, tenant, u.LastAt); err != nil {
			return Profile{}, err
		}
	}
	return p, nil
}

// identity is a user's e-mail, name and creation instant, cached.
func (h *Handlers) identity(ctx context.Context, tenant domain.TenantID, u domain.UserView, recent Result) (identity, error) {
	key := identityKey{tenant, u.ID}
	if id, ok := h.identities.get(key); ok && u.Status != domain.StatusDeleted {
		return id, nil
	}
	rec, err := h.eventAt(ctx, tenant, u.CreatedAt)
	if err != nil {
		return identity{}, err
	}
	pii, err := personalDataOf(rec)
	if err != nil {
		return identity{}, err
	}
	id := identity{pii: domain.PersonalData{Email: pii.Email, Name: pii.Name, Erased: pii.Erased}, at: rec.OccurredAt}
	if u.Status == domain.StatusDeleted || pii.Erased {
		h.identities.forget(key)
	} else {
		h.identities.put(key, id)
	}
	return id, nil
}

// PasswordHash returns u's current password hash, "" when they have none
// (invited without one, or deleted).
func (h *Handlers) PasswordHash(ctx context.Context, tenant domain.TenantID, u domain.UserView) (string, error) {
	if u.CredentialsAt == 0 {
		return "", nil
	}
	rec, err := h.eventAt(ctx, tenant, u.CredentialsAt)
	if err != nil {
		return "", err
	}
	pii, err := personalDataOf(rec)
	return pii.PasswordHash, err
}

// eventAt reads the tenant stream's event at version.
func (h *Handlers) eventAt(ctx context.Context, tenant domain.TenantID, version int64) (eventstore.RecordedEvent, error) {
	if h.personal == nil {
		return eventstore.RecordedEvent{}, ErrNoPersonalData
	}
	page, err := h.personal.ReadStream(ctx, StreamOf(tenant), version-1, 1)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("commands: read %s at %d: %w", StreamOf(tenant), version, err)
	}
	if len(page) != 1 || page[0].StreamVersion != version {
		return eventstore.RecordedEvent{}, fmt.Errorf("commands: %s has no event at version %d", StreamOf(tenant), version)
	}
	return page[0], nil
}

// personalDataOf extracts the top-level "pii" of an event (zero if none).
func personalDataOf(rec eventstore.RecordedEvent) (domain.PersonalData, error) {
	var carrier struct {
		PII domain.PersonalData `json:"pii"`
	}
	if err := json.Unmarshal(rec.Payload, &carrier); err != nil {
		return domain.PersonalData{}, fmt.Errorf("commands: %s version %d: personal data: %w", rec.StreamID, rec.StreamVersion, err)
	}
	return carrier.PII, nil
}

// InstantAt is when the tenant stream's event at version occurred.
func (h *Handlers) InstantAt(ctx context.Context, tenant domain.TenantID, version int64) (time.Time, error) {
	rec, err := h.eventAt(ctx, tenant, version)
	return rec.OccurredAt, err
}
