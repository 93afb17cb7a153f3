package domain

// decideInviteUser creates a user. Customers always have the member role.
// Re-sending the very same invitation (a retried request, a SCIM resend) is
// a no-op; any other use of an existing id, even a deleted user's, is an
// invalid_transition: ids are never recycled, so history stays unambiguous.
func decideInviteUser(s *Tenant, c InviteUser) ([]Event, error) {
	kind := c.Kind
	if kind == "" {
		kind = KindMember
	}
	if err := validateInvite(c, kind); err != nil {
		return nil, err
	}
	act, err := s.requireManager(c.Actor)
	if err != nil {
		return nil, err
	}
	if err := s.checkGrant(act, c.Role); err != nil {
		return nil, err
	}
	if s.sameInvitation(c, kind) {
		return nil, nil
	}
	if err := s.checkNewUser(c.User, c.EmailIndex, kind); err != nil {
		return nil, err
	}
	if err := s.checkExternalID(c.User, c.ExternalIDIndex); err != nil {
		return nil, err
	}
	teams, err := s.knownTeams(c.Teams)
	if err != nil {
		return nil, err
	}
	if err := s.checkSeat(kind, "", StatusInvited); err != nil {
		return nil, err
	}
	ev := []Event{UserInvited{User: c.User, PII: c.PII, EmailIndex: c.EmailIndex, Role: c.Role, Kind: kind, ExternalIDIndex: c.ExternalIDIndex}}
	for _, t := range teams {
		ev = append(ev, TeamJoined{Team: t, User: c.User})
	}
	if c.Activate {
		ev = append(ev, UserActivated{User: c.User})
	}
	return ev, nil
}

// validateInvite checks every value the invitation stores.
func validateInvite(c InviteUser, kind Kind) error {
	if err := validateAccount("", c.User, c.PII, c.EmailIndex); err != nil {
		return err
	}
	if err := validateProvisioned("", c.PII, c.ExternalIDIndex); err != nil {
		return err
	}
	switch {
	case !c.Role.Valid():
		return errInvalidField("role", "role %s is not owner, admin, manager or member", Quote(string(c.Role)))
	case !kind.Valid():
		return errInvalidField("kind", "kind %s is not member or customer", Quote(string(c.Kind)))
	case kind == KindCustomer && c.Role != RoleMember:
		return errInvalidField("role", "customers always have the member role")
	}
	for _, t := range c.Teams {
		if err := t.Check("teams"); err != nil {
			return err
		}
	}
	return nil
}

// sameInvitation reports whether c's user already exists, not deleted, with
// the same e-mail, role and kind: the outcome of c already holds.
func (s *Tenant) sameInvitation(c InviteUser, kind Kind) bool {
	u := s.users[c.User]
	return u != nil && u.status != StatusDeleted && u.emailIndex == c.EmailIndex && u.role == c.Role && u.kind == kind &&
		u.externalIDIndex == c.ExternalIDIndex
}

func (s *Tenant) checkNewUser(id UserID, emailIndex string, kind Kind) error {
	if _, ok := s.users[id]; ok {
		return errTransition("user %s already exists", Quote(string(id)))
	}
	// The blocklist is checked first: the blocklisted customer usually still
	// exists (inactive), and "blocked" is the answer that explains the refusal.
	if kind == KindCustomer && s.EmailBlocked(emailIndex) {
		return errEmailBlocked()
	}
	if _, ok := s.emails[emailIndex]; ok {
		return NewError(CodeEmailTaken, "another user of the tenant has this e-mail")
	}
	return nil
}

// knownTeams checks that every team exists and drops repeats, keeping order.
func (s *Tenant) knownTeams(ids []TeamID) ([]TeamID, error) {
	seen := make(map[TeamID]bool, len(ids))
	out := make([]TeamID, 0, len(ids))
	for _, t := range ids {
		if _, ok := s.teams[t]; !ok {
			return nil, errNotFound("team %s does not exist", Quote(string(t)))
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// errEmailBlocked refuses a customer e-mail on the tenant's blocklist, to an
// invitation, a purchase or a profile change alike.
func errEmailBlocked() error {
	return NewError(CodeEmailBlocked, "this customer e-mail is on the tenant's blocklist")
}
