package execution

import (
	"fmt"
	"slices"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// pastState is a tenant state rebuilt from a selection of its stream (all of
// it, or one user's history), with what the state leaves out kept aside:
// when each applied event occurred, and the personal data of invitations.
type pastState struct {
	state *domain.Tenant
	// applied[i] is the (i+1)-th event applied: the replay's own version
	// i+1, which is the stream's version only when nothing was left out.
	applied []appliedEvent
	pii     map[domain.UserID]domain.PersonalData
}

type appliedEvent struct {
	version int64 // in the stream
	at      time.Time
}

func newPastState() *pastState {
	return &pastState{state: &domain.Tenant{}, pii: map[domain.UserID]domain.PersonalData{}}
}

// apply evolves the state with one stored event.
func (r *pastState) apply(rec eventstore.RecordedEvent) error {
	e, err := decodeEvent(rec)
	if err != nil {
		return err
	}
	switch e := e.(type) {
	case domain.UserInvited:
		r.pii[e.User] = e.PII
	case domain.ProfileChanged: // the profile as of then
		r.pii[e.User] = e.PII
	}
	domain.Evolve(r.state, e)
	r.applied = append(r.applied, appliedEvent{version: rec.StreamVersion, at: rec.OccurredAt})
	return nil
}

// applyUntil applies the events of page that occurred at or before at.
func (r *pastState) applyUntil(page []eventstore.RecordedEvent, at time.Time) error {
	for _, rec := range page {
		if rec.OccurredAt.After(at) {
			continue
		}
		if err := r.apply(rec); err != nil {
			return err
		}
	}
	return nil
}

// user is the replayed user, with stream versions and instants restored.
func (r *pastState) user(id domain.UserID) (PastUser, bool, error) {
	v, found := r.state.User(id)
	if !found || !r.state.Exists() {
		return PastUser{}, false, nil
	}
	if v.CreatedAt == 0 {
		return PastUser{}, false, fmt.Errorf("execution: replay of %s/%s: the user has no invitation", r.state.ID(), id)
	}
	created, last := r.event(v.CreatedAt), r.event(v.LastAt)
	v.CreatedAt, v.LastAt, v.CredentialsAt = created.version, last.version, r.event(v.CredentialsAt).version
	v.ProfileAt = r.event(v.ProfileAt).version
	pii := r.pii[id]
	pii.PasswordHash = ""
	return PastUser{Tenant: r.state.ID(), View: v,
		Profile: Profile{PersonalData: pii, CreatedAt: created.at, UpdatedAt: last.at}}, true, nil
}

// event is the applied event at the replay's version v (zero for 0).
func (r *pastState) event(v int64) appliedEvent {
	if v <= 0 || v > int64(len(r.applied)) {
		return appliedEvent{}
	}
	return r.applied[v-1]
}

// allUsers is every user of the replayed state, in id order.
func (r *pastState) allUsers() ([]PastUser, bool, error) {
	ids := make([]domain.UserID, 0, len(r.pii))
	for id := range r.pii {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]PastUser, 0, len(ids))
	for _, id := range ids {
		u, found, err := r.user(id)
		if err != nil {
			return nil, false, err
		}
		if found {
			out = append(out, u)
		}
	}
	return out, true, nil
}
