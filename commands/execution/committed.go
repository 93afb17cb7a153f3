package execution

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/domain"
)

// committedView is what token checks read of a tenant without taking its
// lock: for each user looked up so far, the fields that decide whether
// their sessions are good, as of the committed stream version `version`.
// Commands hold the tenant's lock through their appends (and a group
// decides on the cached state before appending), so a check that took the
// lock would wait for a commit in flight; this view is updated only once
// events are known to be stored, so it never shows a decision that may yet
// be dropped.
type committedView struct {
	version atomic.Int64 // 0: nothing published yet
	policy  atomic.Pointer[domain.Policy]
	users   sync.Map // domain.UserID → accessFields
}

// accessFields are the fields of a user that token checks need.
type accessFields struct {
	role          domain.Role
	kind          domain.Kind
	status        domain.Status
	revokedBefore time.Time
	keptSession   string
}

// member renders the view of user as a Member under the published policy.
func (v *committedView) member(user domain.UserID) (Member, bool) {
	got, ok := v.users.Load(user)
	policy := v.policy.Load()
	if !ok || policy == nil {
		return Member{}, false
	}
	f := got.(accessFields)
	return Member{Policy: *policy, User: domain.UserView{ID: user, Role: f.role, Kind: f.kind, Status: f.status,
		SessionsRevokedBefore: f.revokedBefore, KeptSession: f.keptSession, Capabilities: policy.Capabilities(f.kind, f.status)}}, true
}

// remember records user as the state (committed, lock held) has them.
func (v *committedView) remember(s *domain.Tenant, user domain.UserID) {
	if u, ok := s.User(user); ok {
		v.users.Store(user, accessFields{role: u.Role, kind: u.Kind, status: u.Status, revokedBefore: u.SessionsRevokedBefore,
			keptSession: u.KeptSession})
	}
}

// publish records the state after events, all stored, were applied to it:
// the users they are about (those already in the view) and the policy. The
// caller holds the tenant's lock.
func (v *committedView) publish(s *domain.Tenant, events []domain.Event) {
	for _, e := range events {
		for _, id := range domain.Subjects(e) {
			if _, known := v.users.Load(id); known {
				v.remember(s, id)
			}
		}
	}
	v.settle(s)
}

// reset forgets every user (the state was reloaded, and users may have
// changed in between) and publishes the state's version and policy.
func (v *committedView) reset(s *domain.Tenant) {
	v.users.Clear()
	v.settle(s)
}

func (v *committedView) settle(s *domain.Tenant) {
	p := s.Policy()
	v.policy.Store(&p)
	v.version.Store(s.Version())
}
