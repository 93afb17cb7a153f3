package execution

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// UserHistoryReader reads, with personal data opened, the events of a
// tenant stream that a replay of one user needs (domain.InUserHistory) and
// that occurred at or before until, in stream order — through an index, so
// that the cost follows the user's history and not the tenant's.
type UserHistoryReader interface {
	ReadUserHistory(ctx context.Context, stream, user string, until time.Time) ([]eventstore.RecordedEvent, error)
}

// HistoryStore is what History reads: one user's history, or the whole
// stream (for a whole tenant), both with personal data opened.
type HistoryStore interface {
	UserHistoryReader
	eventstore.StreamReader
}

// PastUser is a user as they were at a past instant, rebuilt from events.
type PastUser struct {
	Tenant domain.TenantID
	// View is the user's state then, capabilities under the policy of then;
	// its CreatedAt, CredentialsAt and LastAt are tenant stream versions.
	View domain.UserView
	// Profile holds their personal data (erased when they have been deleted
	// since: the key is gone for every instant) and the instants of their
	// first and latest events up to then. It never holds a password hash.
	Profile
}

// History answers what auditors ask of the past straight from the event
// store: the state of a user, or of every user of a tenant, as of an
// instant. It reads no read model and no cached write model.
type History struct {
	store HistoryStore
}

// NewHistory returns a History over store, which must open personal data.
func NewHistory(store HistoryStore) *History { return &History{store: store} }

// UserAsOf rebuilds user as of at from the events of their history that
// occurred at or before at. found is false when the tenant or the user did
// not exist then. An instant in the future gives the current state.
func (h *History) UserAsOf(ctx context.Context, tenant domain.TenantID, user domain.UserID, at time.Time) (PastUser, bool, error) {
	if !tenant.Valid() || !user.Valid() {
		return PastUser{}, false, nil
	}
	events, err := h.store.ReadUserHistory(ctx, domain.TenantStream(tenant), string(user), at)
	if err != nil {
		return PastUser{}, false, fmt.Errorf("execution: history of %s/%s: %w", tenant, user, err)
	}
	r := newPastState()
	for _, rec := range events {
		if err := r.apply(rec); err != nil {
			return PastUser{}, false, err
		}
	}
	return r.user(user)
}

// TenantAsOf rebuilds every user of tenant (the deleted ones included) as of
// at, in id order, by replaying the whole stream up to then. found is false
// when the tenant did not exist then.
func (h *History) TenantAsOf(ctx context.Context, tenant domain.TenantID, at time.Time) (users []PastUser, found bool, err error) {
	if !tenant.Valid() {
		return nil, false, nil
	}
	r := newPastState()
	for after := int64(0); ; {
		page, err := h.store.ReadStream(ctx, domain.TenantStream(tenant), after, readPage)
		if err != nil {
			return nil, false, fmt.Errorf("execution: history of %s: %w", tenant, err)
		}
		if err := r.applyUntil(page, at); err != nil {
			return nil, false, err
		}
		if len(page) < readPage {
			break
		}
		after = page[len(page)-1].StreamVersion
	}
	if !r.state.Exists() {
		return nil, false, nil
	}
	return r.allUsers()
}
