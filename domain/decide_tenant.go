package domain

// decideCreateTenant: creating a tenant that exists is an invalid_transition,
// the same conflict as any other move the current state does not allow.
func decideCreateTenant(s *Tenant, c CreateTenant) ([]Event, error) {
	if !c.Actor.Operator {
		return nil, errForbidden("only the operator creates tenants")
	}
	if s.Exists() {
		return nil, errTransition("tenant %q already exists", s.id)
	}
	if err := validateNewTenant(c); err != nil {
		return nil, err
	}
	preset, policy, err := resolvePolicy(c.Preset, c.Patch)
	if err != nil {
		return nil, err
	}
	if policy.SeatLimit == SeatLimitEnforce && c.Seats < 1 {
		return nil, NewError(CodeSeatLimit, "the owner needs a seat, and %d were purchased", c.Seats)
	}
	o := c.Owner
	return []Event{
		TenantCreated{Tenant: c.Tenant, Name: c.Name, Preset: preset, Policy: policy},
		SeatsChanged{Seats: c.Seats},
		UserInvited{User: o.User, PII: o.PII, EmailIndex: o.EmailIndex, Role: RoleOwner, Kind: KindMember},
		UserActivated{User: o.User},
	}, nil
}

func validateNewTenant(c CreateTenant) error {
	switch {
	case !c.Tenant.Valid():
		return errInvalid("tenant id %q must be 1–64 characters of a-z, 0-9 and -", c.Tenant)
	case c.Name == "":
		return errInvalid("the tenant needs a name")
	case c.Seats < 0:
		return errInvalid("seats cannot be negative")
	case !c.Owner.User.Valid():
		return errInvalid("owner id %q must be 1–64 characters of a-z, 0-9 and -, and not %q", c.Owner.User, Unassigned)
	case c.Owner.EmailIndex == "":
		return errInvalid("the owner needs an e-mail")
	}
	return nil
}

// resolvePolicy builds a validated policy from a preset name ("" = strict)
// and optional overrides.
func resolvePolicy(preset string, patch *PolicyPatch) (string, Policy, error) {
	if preset == "" {
		preset = PresetStrict
	}
	p, err := PresetPolicy(preset)
	if err != nil {
		return "", Policy{}, err
	}
	if patch != nil {
		p = p.Apply(*patch)
	}
	return preset, p, p.Validate()
}

// decideChangePolicy also refuses a policy under which the seats already in
// use would exceed those purchased while enforced (e.g. starting to count
// inactive users), because invariant 2 is about states, not just transitions.
func decideChangePolicy(s *Tenant, c ChangePolicy) ([]Event, error) {
	if _, err := s.requireOwner(c.Actor); err != nil {
		return nil, err
	}
	preset, p := s.preset, s.policy
	if c.Preset != nil {
		preset = *c.Preset
		base, err := PresetPolicy(preset)
		if err != nil {
			return nil, err
		}
		p = base
	}
	p = p.Apply(c.Patch)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if preset == s.preset && p.Equal(s.policy) {
		return nil, nil
	}
	if used := s.seatsUsed(p); p.SeatLimit == SeatLimitEnforce && used > s.seats {
		return nil, NewError(CodeSeatLimit, "under this policy %d seats would be used but %d are purchased", used, s.seats)
	}
	return []Event{TenantPolicyChanged{Preset: preset, Policy: p}}, nil
}

func decideChangeSeats(s *Tenant, c ChangeSeats) ([]Event, error) {
	if _, err := s.requireOwner(c.Actor); err != nil {
		return nil, err
	}
	if c.Seats < 0 {
		return nil, errInvalid("seats cannot be negative")
	}
	purchased, used := s.Seats()
	if c.Seats == purchased {
		return nil, nil
	}
	if s.policy.SeatLimit == SeatLimitEnforce && c.Seats < used {
		return nil, NewError(CodeSeatLimit, "%d seats are in use; free some before going down to %d", used, c.Seats)
	}
	return []Event{SeatsChanged{Seats: c.Seats, Previous: purchased}}, nil
}
