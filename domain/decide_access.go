package domain

// decideBlockUser blocks a user and always revokes their sessions, so that
// unblocking can never revive a token issued before the block.
func decideBlockUser(s *Tenant, c BlockUser) ([]Event, error) {
	_, u, err := s.managedTarget(c.Actor, c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	if u.status == StatusBlocked {
		return nil, nil
	}
	if c.At.IsZero() {
		return nil, errInvalid("blocking needs the instant it happens")
	}
	if err := s.checkSoleOwner(u, "blocked"); err != nil {
		return nil, err
	}
	return []Event{
		UserBlocked{User: c.User, PreviousStatus: u.status},
		SessionsRevoked{User: c.User, RevokedBefore: c.At.UTC(), Reason: ReasonBlocked},
	}, nil
}

func decideUnblockUser(s *Tenant, c UnblockUser) ([]Event, error) {
	_, u, err := s.managedTarget(c.Actor, c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	if u.status != StatusBlocked {
		return nil, errTransition("the user is %s, not blocked", u.status)
	}
	if err := s.checkSeat(u.kind, StatusBlocked, u.prevStatus); err != nil {
		return nil, err
	}
	return []Event{UserUnblocked{User: c.User, Status: u.prevStatus}}, nil
}

// decideRevokeSessions always answers an event: each revocation is a new
// instant. Anyone may log themselves out everywhere.
func decideRevokeSessions(s *Tenant, c RevokeSessions) ([]Event, error) {
	if err := ReasonText.Check("reason", c.Reason); err != nil {
		return nil, err
	}
	if _, err := s.selfOrManagedTarget(c.Actor, c.User, c.IfVersion); err != nil {
		return nil, err
	}
	if c.At.IsZero() {
		return nil, errInvalid("revocation needs the instant it happens")
	}
	return []Event{SessionsRevoked{User: c.User, RevokedBefore: c.At.UTC(), Reason: c.Reason}}, nil
}

// decideSetPassword always answers an event: hashes are salted, so equal
// passwords cannot be recognised, and the domain never sees the old hash.
// Whoever knew the old password may hold a session, so every session of the
// user issued before the change dies with it — but for the one the user
// changed their own password with, which would otherwise log them out of
// the very screen they did it on.
func decideSetPassword(s *Tenant, c SetPassword) ([]Event, error) {
	u, err := s.selfOrManagedTarget(c.Actor, c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	self := !c.Actor.Operator && c.Actor.User == c.User
	if self && !c.CurrentConfirmed {
		return nil, errInvalidField("current_password", "changing your own password needs your current password (current_password)")
	}
	if c.PasswordHash == "" {
		return nil, errInvalidField("password", "the password cannot be empty")
	}
	if c.At.IsZero() {
		return nil, errInvalid("a password change needs the instant it happens")
	}
	revoked := SessionsRevoked{User: c.User, RevokedBefore: c.At.UTC(), Reason: ReasonPasswordChanged}
	if self && c.Session != nil && u.sessionAlive(*c.Session) {
		revoked.Kept = c.Session.Ref
	}
	return []Event{PasswordSet{User: c.User, PII: PersonalData{PasswordHash: c.PasswordHash}}, revoked}, nil
}

// selfOrManagedTarget authorises a command that users may run on themselves.
func (s *Tenant) selfOrManagedTarget(a Actor, id UserID, ifVersion *int64) (*user, error) {
	act, err := s.requireSelfOrManager(a, id)
	if err != nil {
		return nil, err
	}
	u, err := s.liveUser(id, ifVersion)
	if err != nil {
		return nil, err
	}
	return u, s.checkOutranked(act, u)
}

// decideChangeRole: the target-rank check comes before the no-op so that a
// user may not probe a higher-ranked user's role by "setting" it.
func decideChangeRole(s *Tenant, c ChangeRole) ([]Event, error) {
	if !c.Role.Valid() {
		return nil, errInvalidField("role", "role %s is not owner, admin, manager or member", Quote(string(c.Role)))
	}
	act, u, err := s.managedTarget(c.Actor, c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	if u.role == c.Role {
		return nil, nil
	}
	if u.kind == KindCustomer {
		return nil, errInvalidField("role", "customers always have the member role")
	}
	if err := s.checkGrant(act, c.Role); err != nil {
		return nil, err
	}
	if err := s.checkSoleOwner(u, "demoted"); err != nil {
		return nil, err
	}
	return []Event{RoleChanged{User: c.User, From: u.role, To: c.Role}}, nil
}

// decideDeleteUser removes team memberships (membership is part of the
// account), unassigns work under delete_unassigns, then deletes. Deleting a
// deleted user is a no-op (invariant 6: its outcome already holds), for a
// manager of users who saw its current version, if they sent one.
func decideDeleteUser(s *Tenant, c DeleteUser) ([]Event, error) {
	if err := ReasonText.Check("reason", c.Reason); err != nil {
		return nil, err
	}
	act, err := s.requireManager(c.Actor)
	if err != nil {
		return nil, err
	}
	if u := s.users[c.User]; u != nil && u.status == StatusDeleted {
		return nil, checkVersion(c.User, u, c.IfVersion)
	}
	if !s.policy.DeletionAllowed {
		return nil, NewError(CodeDeletionDisabled, "this tenant's policy does not allow deleting users; deactivate them instead")
	}
	u, err := s.liveUser(c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	if err := s.checkOutranked(act, u); err != nil {
		return nil, err
	}
	if err := s.checkSoleOwner(u, "deleted"); err != nil {
		return nil, err
	}
	var ev []Event
	if s.policy.DeleteUnassigns && len(u.items) > 0 {
		ev = append(ev, OwnershipTransferred{From: c.User, To: "", Items: sortedKeys(u.items), Reason: ReasonDeleted})
	}
	ev = append(ev, s.leaveAllTeams(c.User, u)...)
	return append(ev, UserDeleted{User: c.User, Reason: c.Reason}), nil
}

// decideRecordLogin answers the login of a user the sessions service has
// authenticated: the user must exist and, on the current state, be allowed
// to log in (a deactivation that landed since the password was checked
// refuses it).
func decideRecordLogin(s *Tenant, c RecordLogin) ([]Event, error) {
	if !s.Exists() {
		return nil, errNotFound("the tenant does not exist")
	}
	u := s.users[c.User]
	switch {
	case u == nil || u.status == StatusDeleted:
		return nil, errNotFound("no such user")
	case !s.policy.CanLogin(u.status):
		return nil, NewError(CodeLoginForbidden, "this user may not log in while %s", u.status)
	case c.At.IsZero():
		return nil, errInvalid("a login needs the instant it happens")
	}
	return []Event{UserLoggedIn{User: c.User, At: c.At.UTC()}}, nil
}
