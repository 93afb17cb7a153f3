package domain

// decideDeactivateUser deactivates an active or invited user, then records
// each consequence the policy asks for as its own event, in this order:
// sessions revoked, work handed off, teams left, customer e-mail blocklisted.
func decideDeactivateUser(s *Tenant, c DeactivateUser) ([]Event, error) {
	if c.HandoffTo != nil {
		if err := c.HandoffTo.checkOrUnassigned("handoff_to"); err != nil {
			return nil, err
		}
	}
	_, u, err := s.managedTarget(c.Actor, c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	switch u.status {
	case StatusInactive:
		return nil, nil
	case StatusBlocked:
		return nil, errTransition("a blocked user cannot be deactivated; unblock them first")
	}
	if c.At.IsZero() {
		return nil, errInvalid("deactivation needs the instant it happens")
	}
	if err := s.checkSoleOwner(u, "deactivated"); err != nil {
		return nil, err
	}
	if err := s.checkNotLeading(c.User, u); err != nil {
		return nil, err
	}
	to, move, err := s.handoffTarget(c.User, u, c.HandoffTo)
	if err != nil {
		return nil, err
	}
	return s.deactivationEvents(c, u, to, move), nil
}

func (s *Tenant) deactivationEvents(c DeactivateUser, u *user, to UserID, move bool) []Event {
	p := s.policy
	allow := c.AllowReactivationOnPurchase && u.kind == KindCustomer && p.CustomerReactivationOnPurchase
	ev := []Event{UserDeactivated{User: c.User, AllowReactivationOnPurchase: allow}}
	if p.DeactivateRevokesSessions {
		ev = append(ev, SessionsRevoked{User: c.User, RevokedBefore: c.At.UTC(), Reason: ReasonDeactivated})
	}
	if move && len(u.items) > 0 {
		ev = append(ev, OwnershipTransferred{From: c.User, To: to, Items: sortedKeys(u.items), Reason: ReasonDeactivated})
	}
	if p.DeactivateLeavesTeams {
		ev = append(ev, s.leaveAllTeams(c.User, u)...)
	}
	if u.kind == KindCustomer && p.CustomerReactivationOnPurchase && !allow && !s.EmailBlocked(u.emailIndex) {
		ev = append(ev, CustomerEmailBlocked{User: c.User, EmailIndex: u.emailIndex})
	}
	return ev
}

// checkNotLeading enforces forbid_deactivating_team_leader.
func (s *Tenant) checkNotLeading(id UserID, u *user) error {
	if !s.policy.ForbidDeactivatingTeamLeader {
		return nil
	}
	if leads := s.leads(id, u); len(leads) > 0 {
		return NewError(CodeTeamLeader, "the user leads team %s; remove them from the teams they lead first", Quote(string(leads[0])))
	}
	return nil
}

// handoffTarget says where a deactivated user's work goes ("" = unassigned)
// and whether it moves at all. An explicit override wins over the policy.
func (s *Tenant) handoffTarget(id UserID, u *user, override *UserID) (UserID, bool, error) {
	if override != nil {
		return s.explicitHandoff(id, *override)
	}
	switch s.policy.HandoffOnDeactivate {
	case HandoffUnassigned:
		return "", true, nil
	case HandoffTeamLeader:
		if len(u.items) == 0 {
			return "", false, nil // nothing to move: skip the team scan
		}
		to, ok := s.teamLeaderFor(id, u)
		return to, ok, nil
	}
	return "", false, nil
}

func (s *Tenant) explicitHandoff(from, to UserID) (UserID, bool, error) {
	if to == Unassigned {
		return "", true, nil
	}
	if to == from {
		return "", false, NewError(CodeNotAssignable, "work cannot be handed to the user being deactivated")
	}
	if err := s.checkAssignable(to); err != nil {
		return "", false, err
	}
	return to, true, nil
}

// teamLeaderFor picks the leader of one of the user's teams, else the leader
// of the first team of the tenant, both by team id order; leaders who may
// not take work (or are the user) are passed over. Without one, work stays.
func (s *Tenant) teamLeaderFor(id UserID, u *user) (UserID, bool) {
	if to, ok := s.firstLeader(sortedKeys(u.teams), id); ok {
		return to, true
	}
	return s.firstLeader(sortedKeys(s.teams), id)
}

func (s *Tenant) firstLeader(teams []TeamID, exclude UserID) (UserID, bool) {
	for _, t := range teams {
		if l := s.teams[t].leader; l != "" && l != exclude && s.assignable(l) {
			return l, true
		}
	}
	return "", false
}
