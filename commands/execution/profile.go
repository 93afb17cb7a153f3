package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Profile is what the write model leaves out of a user: their personal data
// and the instants of their first and latest events, read back from the
// stream (through the store that opens sealed personal data).
type Profile struct {
	domain.PersonalData
	CreatedAt, UpdatedAt time.Time
}

// ErrNoPersonalData is returned by Profile, PasswordHash and InstantAt when
// the engine was built without Config.PersonalData.
var ErrNoPersonalData = errors.New("execution: no personal-data reader configured")

// Profile reads u's personal data (erased once deleted) and instants. recent
// is the result of a command just carried out (zero if none): the instants
// of its events are known without reading them. A user's profile changes
// only with an event that moves u.ProfileAt on, and their creation never,
// so both are cached: rendering a user usually costs no read at all.
func (q *Queries) Profile(ctx context.Context, tenant domain.TenantID, u domain.UserView, recent Result) (Profile, error) {
	created, err := q.identity(ctx, tenant, u, recent)
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
		if p.UpdatedAt, err = q.InstantAt(ctx, tenant, u.LastAt); err != nil {
			return Profile{}, err
		}
	}
	return p, nil
}

// identity is a user's profile and creation instant, cached until their
// profile changes (u.ProfileAt moves on) or they are deleted.
func (q *Queries) identity(ctx context.Context, tenant domain.TenantID, u domain.UserView, recent Result) (identity, error) {
	key := identityKey{tenant, u.ID}
	if id, ok := q.identities.get(key); ok && u.Status != domain.StatusDeleted && id.profileAt == u.ProfileAt {
		return id, nil
	}
	created, previewed, err := q.profileAt(ctx, tenant, u.CreatedAt, recent)
	if err != nil {
		return identity{}, err
	}
	profile := created
	if u.ProfileAt > u.CreatedAt {
		var alsoPreviewed bool
		if profile, alsoPreviewed, err = q.profileAt(ctx, tenant, u.ProfileAt, recent); err != nil {
			return identity{}, err
		}
		previewed = previewed || alsoPreviewed
	}
	pii := profile.PersonalData
	pii.PasswordHash = ""
	id := identity{pii: pii, at: created.at, profileAt: u.ProfileAt}
	switch {
	case previewed: // a dry run's: the stream does not hold it, never cached
	case u.Status == domain.StatusDeleted || pii.Erased:
		q.identities.forget(key)
	default:
		q.identities.put(key, id)
	}
	return id, nil
}

// recordedProfile is the personal data an event carries and its instant.
type recordedProfile struct {
	domain.PersonalData
	at time.Time
}

// profileAt reads the personal data of the event at version: from a dry
// run's own events (recent) when it is one of them (previewed), else from
// the stream.
func (q *Queries) profileAt(ctx context.Context, tenant domain.TenantID, version int64, recent Result) (p recordedProfile, previewed bool, err error) {
	if i := version - recent.First; recent.previewed != nil && i >= 0 && i < int64(len(recent.previewed)) {
		switch e := recent.previewed[i].(type) {
		case domain.UserInvited:
			return recordedProfile{e.PII, recent.At}, true, nil
		case domain.ProfileChanged:
			return recordedProfile{e.PII, recent.At}, true, nil
		}
	}
	rec, err := q.eventAt(ctx, tenant, version)
	if err != nil {
		return recordedProfile{}, false, err
	}
	pii, err := personalDataOf(rec)
	return recordedProfile{pii, rec.OccurredAt}, false, err
}

// PasswordHash returns u's current password hash, "" when they have none
// (invited without one, or deleted).
func (q *Queries) PasswordHash(ctx context.Context, tenant domain.TenantID, u domain.UserView) (string, error) {
	if u.CredentialsAt == 0 {
		return "", nil
	}
	rec, err := q.eventAt(ctx, tenant, u.CredentialsAt)
	if err != nil {
		return "", err
	}
	pii, err := personalDataOf(rec)
	return pii.PasswordHash, err
}

// eventAt reads the tenant stream's event at version.
func (q *Queries) eventAt(ctx context.Context, tenant domain.TenantID, version int64) (eventstore.RecordedEvent, error) {
	if q.personal == nil {
		return eventstore.RecordedEvent{}, ErrNoPersonalData
	}
	page, err := q.personal.ReadStream(ctx, domain.TenantStream(tenant), version-1, 1)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("execution: read %s at %d: %w", domain.TenantStream(tenant), version, err)
	}
	if len(page) != 1 || page[0].StreamVersion != version {
		return eventstore.RecordedEvent{}, fmt.Errorf("execution: %s has no event at version %d", domain.TenantStream(tenant), version)
	}
	return page[0], nil
}

// personalDataOf extracts the top-level "pii" of an event (zero if none).
func personalDataOf(rec eventstore.RecordedEvent) (domain.PersonalData, error) {
	var carrier struct {
		PII domain.PersonalData `json:"pii"`
	}
	if err := json.Unmarshal(rec.Payload, &carrier); err != nil {
		return domain.PersonalData{}, fmt.Errorf("execution: %s version %d: personal data: %w", rec.StreamID, rec.StreamVersion, err)
	}
	return carrier.PII, nil
}

// InstantAt is when the tenant stream's event at version occurred.
func (q *Queries) InstantAt(ctx context.Context, tenant domain.TenantID, version int64) (time.Time, error) {
	rec, err := q.eventAt(ctx, tenant, version)
	return rec.OccurredAt, err
}
