package domain

// decideActivateUser: activating an inactive user is a reactivation, with
// the same checks, so that clients and SCIM's active=true need one verb.
func decideActivateUser(s *Tenant, c ActivateUser) ([]Event, error) {
	_, u, err := s.managedTarget(c.Actor, c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	switch u.status {
	case StatusInvited:
		// An invited staff member already holds a seat: no seat check.
		return []Event{UserActivated{User: c.User}}, nil
	case StatusInactive:
		return s.reactivation(c.User, u)
	case StatusActive:
		return nil, nil
	}
	return nil, errTransition("a %s user cannot be activated; unblock them instead", u.status)
}

func decideReactivateUser(s *Tenant, c ReactivateUser) ([]Event, error) {
	_, u, err := s.managedTarget(c.Actor, c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	switch u.status {
	case StatusInactive:
		return s.reactivation(c.User, u)
	case StatusActive:
		return nil, nil
	}
	return nil, errTransition("only an inactive user can be reactivated, and this one is %s", u.status)
}

// reactivation brings an inactive user back; a manual reactivation lifts the
// blocklist entry of their e-mail, as the admin has decided to trust it.
func (s *Tenant) reactivation(id UserID, u *user) ([]Event, error) {
	if err := s.checkSeat(u.kind, u.status, StatusActive); err != nil {
		return nil, err
	}
	ev := []Event{UserReactivated{User: id}}
	if s.EmailBlocked(u.emailIndex) {
		ev = append(ev, CustomerEmailUnblocked{User: id, EmailIndex: u.emailIndex})
	}
	return ev, nil
}

// decideReactivateOnPurchase: a blocklisted e-mail is refused whether or not
// a user has it, because the blocklist is there to refuse the purchase
// itself; anything else that does not qualify is a no-op, since a purchase
// by someone who is not a dormant customer changes nothing here.
func decideReactivateOnPurchase(s *Tenant, c ReactivateOnPurchase) ([]Event, error) {
	if !c.Actor.Operator {
		return nil, errForbidden("only the system reactivates on purchase")
	}
	if _, err := s.resolveActor(c.Actor); err != nil {
		return nil, err
	}
	if c.EmailIndex == "" {
		return nil, errInvalidField("email", "the purchase needs an e-mail")
	}
	if s.EmailBlocked(c.EmailIndex) {
		return nil, errEmailBlocked()
	}
	id, ok := s.emails[c.EmailIndex]
	u := s.users[id]
	if !ok || !s.policy.CustomerReactivationOnPurchase || u.kind != KindCustomer ||
		u.status != StatusInactive || !u.reactivateOnPurchase {
		return nil, nil
	}
	return []Event{UserReactivated{User: id}}, nil
}
