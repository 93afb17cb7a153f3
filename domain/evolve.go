package domain

// Evolve applies one event to s and returns it. It MUTATES s in place, for
// speed on large tenants: a caller that needs the state from before the event
// must Clone it first. A nil s is treated as the zero Tenant. Evolve trusts
// its input (events come from Decide or the stream): it never fails, an
// event about an unknown user changes nothing about users, and an event
// outside the catalogue only advances the stream version.
func Evolve(s *Tenant, e Event) *Tenant {
	if s == nil {
		s = &Tenant{}
	}
	s.initMaps()
	switch e := e.(type) {
	case TenantCreated:
		s.created, s.id, s.name = true, e.Tenant, e.Name
		s.preset, s.policy = e.Preset, e.Policy.withOwnersManaging()
	case TenantPolicyChanged:
		s.preset, s.policy = e.Preset, e.Policy.withOwnersManaging()
	case SeatsChanged:
		s.seats = e.Seats
	case UserInvited:
		evolveUserInvited(s, e)
	case UserActivated:
		s.moveUser(e.User, StatusActive)
	case UserDeactivated:
		evolveUserDeactivated(s, e)
	case UserReactivated:
		evolveUserReactivated(s, e)
	case UserBlocked:
		evolveUserBlocked(s, e)
	case UserUnblocked:
		s.moveUser(e.User, e.Status)
	case SessionsRevoked:
		evolveSessionsRevoked(s, e)
	case UserLoggedIn:
		if u := s.changeUser(e.User); u != nil && e.At.After(u.lastLoginAt) {
			u.lastLoginAt = e.At
		}
	case RoleChanged:
		evolveRoleChanged(s, e)
	case UserDeleted:
		evolveUserDeleted(s, e)
	case TeamDefined:
		evolveTeamDefined(s, e)
	case TeamJoined:
		evolveTeamJoined(s, e)
	case TeamLeft:
		evolveTeamLeft(s, e)
	case TeamLeaderAssigned:
		evolveTeamLeaderAssigned(s, e)
	case WorkAssigned:
		evolveWorkAssigned(s, e)
	case OwnershipTransferred:
		for _, id := range e.Items {
			s.assignItem(id, e.To)
		}
	case CustomerEmailBlocked:
		s.changeBlocklist()
		s.blocklist[e.EmailIndex] = struct{}{}
	case CustomerEmailUnblocked:
		s.changeBlocklist()
		delete(s.blocklist, e.EmailIndex)
	case ProfileChanged:
		evolveProfileChanged(s, e)
	case TeamDeleted:
		delete(s.teams, e.Team) // a fork has its own teams map (Fork clones it)
	case ScimConnectionCreated:
		evolveScimConnectionCreated(s, e)
	case ScimConnectionRevoked:
		evolveScimConnectionRevoked(s, e)
	}
	// PasswordSet changes nothing in the write model but the user's version.
	s.bumpVersions(e)
	return s
}

func (s *Tenant) initMaps() {
	if s.users != nil {
		return
	}
	s.users = map[UserID]*user{}
	s.teams = map[TeamID]*team{}
	s.items = map[WorkItemID]*workItem{}
	s.emails = map[string]UserID{}
	s.blocklist = map[string]struct{}{}
	s.staff = map[Status]int{}
}

func (s *Tenant) bumpVersions(e Event) {
	s.version++
	if e == nil {
		return
	}
	for _, id := range e.subjects() {
		if u := s.changeUser(id); u != nil {
			u.version++
			u.lastAt = s.version
		}
	}
	switch e := e.(type) {
	case TenantCreated, TenantPolicyChanged, SeatsChanged:
		s.settingsAt = s.version
	case UserInvited:
		if u := s.changeUser(e.User); u != nil {
			u.createdAt, u.credentialsAt, u.profileAt = s.version, s.version, s.version
		}
	case ProfileChanged:
		if u := s.changeUser(e.User); u != nil {
			u.profileAt = s.version
		}
	case PasswordSet:
		if u := s.changeUser(e.User); u != nil {
			u.credentialsAt = s.version
		}
	case WorkAssigned:
		s.touchItems(e.Item)
	case OwnershipTransferred:
		s.touchItems(e.Items...)
	}
}

func (s *Tenant) touchItems(ids ...WorkItemID) {
	for _, id := range ids {
		if it := s.changeItem(id); it != nil {
			it.lastAt = s.version
		}
	}
}

// tally adds (sign +1) or removes (sign -1) a user's contribution to the
// counters; every status or role change is bracketed by the two calls.
func (s *Tenant) tally(u *user, sign int) {
	if u.kind == KindMember {
		s.staff[u.status] += sign
	}
	if u.role == RoleOwner && u.status == StatusActive {
		s.activeOwners += sign
	}
}

func (s *Tenant) moveUser(id UserID, st Status) {
	if u := s.changeUser(id); u != nil {
		s.tally(u, -1)
		u.status = st
		s.tally(u, +1)
	}
}

func evolveUserInvited(s *Tenant, e UserInvited) {
	u := &user{role: e.Role, kind: e.Kind, status: StatusInvited, emailIndex: e.EmailIndex}
	s.users[e.User] = u
	s.own(e.User)
	if e.EmailIndex != "" {
		s.changeEmails()
		s.emails[e.EmailIndex] = e.User
	}
	s.indexExternalID(e.User, u, e.ExternalIDIndex)
	s.tally(u, +1)
}

func evolveUserDeactivated(s *Tenant, e UserDeactivated) {
	s.moveUser(e.User, StatusInactive)
	if u := s.changeUser(e.User); u != nil {
		u.reactivateOnPurchase = e.AllowReactivationOnPurchase
	}
}

func evolveUserReactivated(s *Tenant, e UserReactivated) {
	s.moveUser(e.User, StatusActive)
	if u := s.changeUser(e.User); u != nil {
		u.reactivateOnPurchase = false
	}
}

func evolveUserBlocked(s *Tenant, e UserBlocked) {
	if u := s.changeUser(e.User); u != nil {
		u.prevStatus = e.PreviousStatus
		s.moveUser(e.User, StatusBlocked)
	}
}

// evolveSessionsRevoked keeps the latest instant, so that replaying an older
// revocation can never revive tokens a newer one killed; the session a
// revocation keeps is kept only by the latest one (an older revocation,
// ignored whole, cannot revive it either).
func evolveSessionsRevoked(s *Tenant, e SessionsRevoked) {
	if u := s.changeUser(e.User); u != nil && e.RevokedBefore.After(u.revokedBefore) {
		u.revokedBefore, u.keptSession = e.RevokedBefore, e.Kept
	}
}

func evolveRoleChanged(s *Tenant, e RoleChanged) {
	if u := s.changeUser(e.User); u != nil {
		s.tally(u, -1)
		u.role = e.To
		s.tally(u, +1)
	}
}

// evolveUserDeleted frees the e-mail and drops memberships (Decide emits
// TeamLeft first; this is belt and braces). Items stay pointing at the
// deleted user unless Decide moved them, as the policy decides.
func evolveUserDeleted(s *Tenant, e UserDeleted) {
	u := s.changeUser(e.User)
	if u == nil {
		return
	}
	s.moveUser(e.User, StatusDeleted)
	if s.emails[u.emailIndex] == e.User {
		s.changeEmails()
		delete(s.emails, u.emailIndex)
	}
	s.indexExternalID(e.User, u, "")
	for t := range u.teams {
		evolveTeamLeft(s, TeamLeft{Team: t, User: e.User})
	}
	u.emailIndex, u.prevStatus, u.reactivateOnPurchase = "", "", false
}

func evolveTeamDefined(s *Tenant, e TeamDefined) {
	if t := s.changeTeam(e.Team); t != nil {
		t.name = e.Name
		return
	}
	s.teams[e.Team] = &team{name: e.Name}
	s.ownTeam(e.Team)
}

func evolveTeamJoined(s *Tenant, e TeamJoined) {
	if s.teams[e.Team] == nil || s.users[e.User] == nil {
		return
	}
	t, u := s.changeTeam(e.Team), s.changeUser(e.User)
	t.members = addKey(t.members, e.User)
	u.teams = addKey(u.teams, e.Team)
}

func evolveTeamLeft(s *Tenant, e TeamLeft) {
	if t := s.changeTeam(e.Team); t != nil {
		delete(t.members, e.User)
		if t.leader == e.User {
			t.leader = ""
		}
	}
	if u := s.changeUser(e.User); u != nil {
		delete(u.teams, e.Team)
	}
}

func evolveTeamLeaderAssigned(s *Tenant, e TeamLeaderAssigned) {
	if t := s.changeTeam(e.Team); t != nil {
		t.leader = e.Leader
	}
}

func evolveWorkAssigned(s *Tenant, e WorkAssigned) {
	it := s.changeItem(e.Item)
	if it == nil {
		it = &workItem{}
		s.items[e.Item] = it
		s.ownItem(e.Item)
	}
	it.kind = e.Kind
	s.assignItem(e.Item, e.Assignee)
}

// assignItem moves an existing item and keeps the per-user item index in step.
func (s *Tenant) assignItem(id WorkItemID, to UserID) {
	it := s.changeItem(id)
	if it == nil {
		return
	}
	if from := s.changeUser(it.assignee); from != nil {
		delete(from.items, id)
	}
	it.assignee = to
	if u := s.changeUser(to); u != nil {
		u.items = addKey(u.items, id)
	}
}

// addKey adds k to a lazily created set and returns the set.
func addKey[K comparable](m map[K]struct{}, k K) map[K]struct{} {
	if m == nil {
		m = map[K]struct{}{}
	}
	m[k] = struct{}{}
	return m
}
