package domain

import "errors"

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
		return nil, inPolicy(err)
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

// validateNewTenant checks every value the tenant's first events store.
func validateNewTenant(c CreateTenant) error {
	if err := c.Tenant.Check("id"); err != nil {
		return err
	}
	if err := checkName("name", c.Name); err != nil {
		return err
	}
	if err := checkSeats(c.Seats); err != nil {
		return err
	}
	return validateAccount("owner.", c.Owner.User, c.Owner.PII, c.Owner.EmailIndex)
}

// validateAccount checks a new user's id and personal data; prefix is where
// the request holds them ("owner." for a tenant's first owner).
func validateAccount(prefix string, id UserID, pii PersonalData, emailIndex string) error {
	if err := id.Check(prefix + "id"); err != nil {
		return err
	}
	return validateContact(prefix, pii, emailIndex)
}

// validateContact checks a user's e-mail, its index, and name.
func validateContact(prefix string, pii PersonalData, emailIndex string) error {
	if err := checkEmail(prefix+"email", pii.Email); err != nil {
		return err
	}
	if emailIndex == "" {
		return errInvalidField(prefix+"email", "the user needs an e-mail")
	}
	return checkName(prefix+"name", pii.Name)
}

// inPolicy names a refused knob of CreateTenant's policy as the request
// holds it, under "policy."; the preset keeps its own name.
func inPolicy(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Field != "" && e.Field != "preset" {
		return InvalidField("policy."+e.Field, "%s", e.Detail)
	}
	return err
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
	if err := s.requireSettingsOwner(c.Actor, c.IfVersion); err != nil {
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
	if err := s.requireSettingsOwner(c.Actor, c.IfVersion); err != nil {
		return nil, err
	}
	if err := checkSeats(c.Seats); err != nil {
		return nil, err
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

// requireSettingsOwner authorises a change of the tenant's own settings and,
// when the caller sent If-Match, checks it against the version the Tenant
// resource shows (SettingsVersion), before any no-op: a stale caller learns
// that it is stale whatever it asked for.
func (s *Tenant) requireSettingsOwner(a Actor, ifVersion *int64) error {
	if _, err := s.requireOwner(a); err != nil {
		return err
	}
	if ifVersion != nil && *ifVersion != s.settingsAt {
		return NewError(CodeVersionMismatch, "the tenant is at version %d, not %d", s.settingsAt, *ifVersion)
	}
	return nil
}
