package domain

// Decide answers the events that carry out cmd on s, or an *Error refusing
// it. It never changes s. A command whose outcome already holds answers no
// events and no error. A nil s is treated as the zero Tenant (not created).
// Every Decide costs O(1) or O(work items and teams of the users involved)
// (plus the tenant's teams for a team-leader handoff), never O(users).
func Decide(s *Tenant, cmd Command) ([]Event, error) {
	if s == nil {
		s = &Tenant{}
	}
	switch c := cmd.(type) {
	case CreateTenant:
		return decideCreateTenant(s, c)
	case ChangePolicy:
		return decideChangePolicy(s, c)
	case ChangeSeats:
		return decideChangeSeats(s, c)
	case InviteUser:
		return decideInviteUser(s, c)
	case ActivateUser:
		return decideActivateUser(s, c)
	case DeactivateUser:
		return decideDeactivateUser(s, c)
	case ReactivateUser:
		return decideReactivateUser(s, c)
	case ReactivateOnPurchase:
		return decideReactivateOnPurchase(s, c)
	case BlockUser:
		return decideBlockUser(s, c)
	case UnblockUser:
		return decideUnblockUser(s, c)
	case RevokeSessions:
		return decideRevokeSessions(s, c)
	case ChangeRole:
		return decideChangeRole(s, c)
	case SetPassword:
		return decideSetPassword(s, c)
	case RecordLogin:
		return decideRecordLogin(s, c)
	case DeleteUser:
		return decideDeleteUser(s, c)
	case DefineTeam:
		return decideDefineTeam(s, c)
	case JoinTeam:
		return decideJoinTeam(s, c)
	case LeaveTeam:
		return decideLeaveTeam(s, c)
	case AssignTeamLeader:
		return decideAssignTeamLeader(s, c)
	case AssignWork:
		return decideAssignWork(s, c)
	case TransferOwnership:
		return decideTransferOwnership(s, c)
	case DeleteTeam:
		return decideDeleteTeam(s, c)
	case ChangeProfile:
		return decideChangeProfile(s, c)
	case CreateScimConnection:
		return decideCreateScimConnection(s, c)
	case RevokeScimConnection:
		return decideRevokeScimConnection(s, c)
	}
	return nil, errInvalid("unknown command")
}

// liveUser finds the target of a command, the request's "user": it must be
// a well-formed id, exist, not be deleted (deleted is terminal) and, when
// the caller sent If-Match, be at that version. Commands that name users in
// other fields check those ids' form themselves, naming their field.
func (s *Tenant) liveUser(id UserID, ifVersion *int64) (*user, error) {
	if err := id.Check("user"); err != nil {
		return nil, err
	}
	u := s.users[id]
	if u == nil {
		return nil, errNotFound("user %s does not exist", Quote(string(id)))
	}
	if u.status == StatusDeleted {
		return nil, NewError(CodeUserDeleted, "user %s is deleted; nothing but reads is possible", Quote(string(id)))
	}
	return u, checkVersion(id, u, ifVersion)
}

// checkVersion refuses with version_mismatch when the caller sent If-Match
// (ifVersion) and the user is at another version.
func checkVersion(id UserID, u *user, ifVersion *int64) error {
	if ifVersion != nil && *ifVersion != u.version {
		return NewError(CodeVersionMismatch, "user %s is at version %d, not %d", Quote(string(id)), u.version, *ifVersion)
	}
	return nil
}

// managedTarget authorises a user-management command and resolves its target.
func (s *Tenant) managedTarget(a Actor, id UserID, ifVersion *int64) (acting, *user, error) {
	act, err := s.requireManager(a)
	if err != nil {
		return act, nil, err
	}
	u, err := s.liveUser(id, ifVersion)
	if err != nil {
		return act, nil, err
	}
	return act, u, s.checkOutranked(act, u)
}

// checkSoleOwner refuses, under protect_sole_owner, to take the last active
// owner out of being an active owner.
func (s *Tenant) checkSoleOwner(u *user, what string) error {
	if !s.policy.ProtectSoleOwner || u.role != RoleOwner || u.status != StatusActive || s.activeOwners > 1 {
		return nil
	}
	return NewError(CodeSoleOwner, "the only active owner cannot be %s; make another user owner first", what)
}

// checkSeat refuses, under seat_limit enforce, a move of a user of kind k
// from one status to another that makes them start consuming a seat while
// every seat is used. from is "" for a user who does not exist yet.
func (s *Tenant) checkSeat(k Kind, from, to Status) error {
	p := s.policy
	if p.SeatLimit != SeatLimitEnforce || p.ConsumesSeat(k, from) || !p.ConsumesSeat(k, to) {
		return nil
	}
	if purchased, used := s.Seats(); used >= purchased {
		return NewError(CodeSeatLimit, "all %d seats are in use (%d used)", purchased, used)
	}
	return nil
}

// checkAssignable refuses a work target that may not take work now.
func (s *Tenant) checkAssignable(id UserID) error {
	u := s.users[id]
	if u == nil {
		return errNotFound("user %s does not exist", Quote(string(id)))
	}
	if !s.policy.Assignable(u.kind, u.status) {
		return NewError(CodeNotAssignable, "user %s (%s %s) may not take work", Quote(string(id)), u.status, u.kind)
	}
	return nil
}

func (s *Tenant) assignable(id UserID) bool { return s.checkAssignable(id) == nil }

// leaveAllTeams answers TeamLeft for each of the user's teams, preceded by
// TeamLeaderAssigned to nobody for each team they lead.
func (s *Tenant) leaveAllTeams(id UserID, u *user) []Event {
	var ev []Event
	for _, t := range sortedKeys(u.teams) {
		ev = append(ev, s.leaveTeam(t, id)...)
	}
	return ev
}

func (s *Tenant) leaveTeam(t TeamID, id UserID) []Event {
	if s.teams[t].leader == id {
		return []Event{TeamLeaderAssigned{Team: t, Leader: "", Previous: id}, TeamLeft{Team: t, User: id}}
	}
	return []Event{TeamLeft{Team: t, User: id}}
}
