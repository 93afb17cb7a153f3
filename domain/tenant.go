package domain

import (
	"cmp"
	"slices"
	"time"
)

// Tenant is the write model of one tenant: everything Decide needs to check
// the invariants, and nothing more (no personal data). The zero value is a
// tenant that does not exist yet; its maps are created lazily by Evolve.
//
// Only Evolve changes a Tenant, in place. Read it through its query methods.
type Tenant struct {
	created bool
	id      TenantID
	name    string
	preset  string
	policy  Policy
	seats   int
	version int64
	// settingsAt is the stream version of the latest event about the
	// tenant's own settings (creation, policy, seats): the version the
	// Tenant resource shows.
	settingsAt int64

	users     map[UserID]*user
	teams     map[TeamID]*team
	items     map[WorkItemID]*workItem
	emails    map[string]UserID   // email index → non-deleted user
	blocklist map[string]struct{} // blocked customer email indexes
	// connections are the tenant's SCIM connections, revoked ones included;
	// an entry is replaced, never changed in place.
	connections map[ConnectionID]*scimConnection
	// externalIDs: external id index → non-deleted user.
	externalIDs map[string]UserID

	// Counters kept by Evolve so that seat and owner checks are O(1).
	staff        map[Status]int // users of kind member, by status
	activeOwners int

	// forked is set on a copy made by Fork (see there).
	forked *forked
}

// user is the write model of one user. teams and items are lazily created
// sets, so that 100,000 users without teams or work cost no maps.
type user struct {
	role       Role
	kind       Kind
	status     Status
	prevStatus Status // status before blocking
	emailIndex string // cleared on deletion
	// externalIDIndex is the blind index of the external id ("" for none;
	// cleared on deletion).
	externalIDIndex string
	version         int64
	revokedBefore   time.Time
	keptSession     string // the session the latest revocation spared, if any
	// Stream versions of events about the user, so that what the write model
	// leaves out (personal data, instants) can be read back from the stream
	// with point reads: the UserInvited that created them, the latest event
	// that may carry a password hash (UserInvited or PasswordSet; the hash is
	// sealed, so the write model cannot tell whether an invitation held one),
	// and the latest event about them at all.
	createdAt, credentialsAt, lastAt int64
	// profileAt is the stream version of the latest event that carries
	// their profile (UserInvited or ProfileChanged).
	profileAt int64
	// reactivateOnPurchase is the flag of the latest deactivation.
	reactivateOnPurchase bool
	lastLoginAt          time.Time // zero if never
	teams                map[TeamID]struct{}
	items                map[WorkItemID]struct{}
}

type team struct {
	name    string
	leader  UserID
	members map[UserID]struct{}
}

type workItem struct {
	kind     string
	assignee UserID
	lastAt   int64 // stream version of the latest event that changed it
}

// TenantView is a read-only copy of a tenant's settings and seat count.
// Its JSON names are those of the outcomes kept for idempotency keys.
type TenantView struct {
	ID             TenantID `json:"id"`
	Name           string   `json:"name"`
	Preset         string   `json:"preset"`
	Policy         Policy   `json:"policy"`
	SeatsPurchased int      `json:"seats_purchased"`
	SeatsUsed      int      `json:"seats_used"` // under Policy
	// Version is the stream version of the latest change to the settings
	// (If-Match).
	Version int64 `json:"version"`
}

// UserView is a read-only copy of one user's write-model state.
type UserView struct {
	ID         UserID
	Role       Role
	Kind       Kind
	Status     Status
	Teams      []TeamID // sorted
	Leads      []TeamID // sorted; always a subset of Teams
	Version    int64    // number of events about this user (If-Match)
	EmailIndex string   // blind index of the e-mail; empty once deleted
	// ExternalIDIndex is the blind index of the external id; empty when
	// none, and once deleted.
	ExternalIDIndex string
	// SessionsRevokedBefore kills every token issued before it; zero if never.
	SessionsRevokedBefore time.Time
	// KeptSession references the one session SessionsRevokedBefore spares
	// (see SessionAlive); "" if none.
	KeptSession string
	// ReactivateOnPurchase is true for an inactive customer whose last
	// deactivation allowed automatic reactivation by a purchase.
	ReactivateOnPurchase bool
	// LastLoginAt is the instant of the user's latest login; zero if never.
	LastLoginAt time.Time
	// CreatedAt, CredentialsAt and LastAt are tenant stream versions: of the
	// UserInvited event that created the user, of the latest event that may
	// carry their password hash, and of the latest event about them.
	CreatedAt, CredentialsAt, LastAt int64
	// ProfileAt is the stream version of the latest event carrying their
	// profile (personal data but the password hash).
	ProfileAt int64
	Capabilities
}

// TeamView is a read-only copy of one team.
type TeamView struct {
	ID      TeamID
	Name    string
	Leader  UserID   // "" when none
	Members []UserID // sorted
}

// WorkItemView is a read-only copy of one work item.
type WorkItemView struct {
	ID       WorkItemID
	Kind     string
	Assignee UserID // "" when unassigned
	LastAt   int64  // stream version of the latest event that changed it
}

// Exists reports whether the tenant has been created.
func (s *Tenant) Exists() bool { return s != nil && s.created }

// ID returns the tenant id ("" before creation).
func (s *Tenant) ID() TenantID { return s.id }

// Name returns the tenant's display name.
func (s *Tenant) Name() string { return s.name }

// Preset returns the name of the preset the policy is based on.
func (s *Tenant) Preset() string { return s.preset }

// Policy returns a copy of the tenant's policy.
func (s *Tenant) Policy() Policy { return s.policy.normalized() }

// SettingsVersion returns the stream version of the latest change to the
// tenant's own settings (creation, policy, seats).
func (s *Tenant) SettingsVersion() int64 { return s.settingsAt }

// Version returns the number of events applied: the stream version that the
// next append expects.
func (s *Tenant) Version() int64 { return s.version }

// Seats returns the seats purchased and the seats used now under the policy.
func (s *Tenant) Seats() (purchased, used int) { return s.seats, s.seatsUsed(s.policy) }

// View is a copy of the tenant's settings and seat count.
func (s *Tenant) View() TenantView {
	purchased, used := s.Seats()
	return TenantView{ID: s.ID(), Name: s.Name(), Preset: s.Preset(), Policy: s.Policy(), SeatsPurchased: purchased,
		SeatsUsed: used, Version: s.SettingsVersion()}
}

// seatsUsed counts seats from the per-status counters, so that a policy
// change re-prices seats in O(1).
func (s *Tenant) seatsUsed(p Policy) int {
	n := 0
	for st, c := range s.staff {
		if p.ConsumesSeat(KindMember, st) {
			n += c
		}
	}
	return n
}

// Size is the number of users, teams and work items the state holds: what
// the cost of a snapshot grows with.
func (s *Tenant) Size() int { return len(s.users) + len(s.teams) + len(s.items) }

// ActiveOwners returns how many active owners the tenant has.
func (s *Tenant) ActiveOwners() int { return s.activeOwners }

// EmailBlocked reports whether a customer e-mail index is on the blocklist.
func (s *Tenant) EmailBlocked(emailIndex string) bool {
	_, ok := s.blocklist[emailIndex]
	return ok
}

// User returns a view of the user, deleted ones included, and whether it exists.
func (s *Tenant) User(id UserID) (UserView, bool) {
	u := s.users[id]
	if u == nil {
		return UserView{}, false
	}
	return s.view(id, u), true
}

// UserByEmailIndex returns the non-deleted user with that e-mail index.
func (s *Tenant) UserByEmailIndex(emailIndex string) (UserView, bool) {
	id, ok := s.emails[emailIndex]
	if !ok {
		return UserView{}, false
	}
	return s.User(id)
}

func (s *Tenant) view(id UserID, u *user) UserView {
	return UserView{
		ID: id, Role: u.role, Kind: u.kind, Status: u.status,
		Teams:                 sortedKeys(u.teams),
		Leads:                 s.leads(id, u),
		Version:               u.version,
		EmailIndex:            u.emailIndex,
		ExternalIDIndex:       u.externalIDIndex,
		ProfileAt:             u.profileAt,
		SessionsRevokedBefore: u.revokedBefore,
		KeptSession:           u.keptSession,
		ReactivateOnPurchase:  u.reactivateOnPurchase,
		LastLoginAt:           u.lastLoginAt,
		CreatedAt:             u.createdAt,
		CredentialsAt:         u.credentialsAt,
		LastAt:                u.lastAt,
		Capabilities:          s.policy.Capabilities(u.kind, u.status),
	}
}

// leads lists the teams the user leads; a leader is always a member, so
// looking through the user's own teams is enough.
func (s *Tenant) leads(id UserID, u *user) []TeamID {
	out := []TeamID{}
	for _, t := range sortedKeys(u.teams) {
		if s.teams[t].leader == id {
			out = append(out, t)
		}
	}
	return out
}

// Team returns a view of the team and whether it exists.
func (s *Tenant) Team(id TeamID) (TeamView, bool) {
	t := s.teams[id]
	if t == nil {
		return TeamView{}, false
	}
	return TeamView{ID: id, Name: t.name, Leader: t.leader, Members: sortedKeys(t.members)}, true
}

// Teams returns a view of every team, in id order.
func (s *Tenant) Teams() []TeamView {
	out := make([]TeamView, 0, len(s.teams))
	for _, id := range sortedKeys(s.teams) {
		v, _ := s.Team(id)
		out = append(out, v)
	}
	return out
}

// WorkItem returns a view of the work item and whether it exists.
func (s *Tenant) WorkItem(id WorkItemID) (WorkItemView, bool) {
	it := s.items[id]
	if it == nil {
		return WorkItemView{}, false
	}
	return WorkItemView{ID: id, Kind: it.kind, Assignee: it.assignee, LastAt: it.lastAt}, true
}

// WorkItemsOf returns the sorted ids of the items assigned to the user.
func (s *Tenant) WorkItemsOf(id UserID) []WorkItemID {
	if u := s.users[id]; u != nil {
		return sortedKeys(u.items)
	}
	return []WorkItemID{}
}

// sortedKeys returns a map's keys in order; output order never depends on
// Go's map iteration, so events and views are deterministic.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
