package domain

import "testing"

func TestDecideCreateTenant(t *testing.T) {
	t.Parallel()
	create := CreateTenant{
		Actor: op, Tenant: "acme", Name: "Acme", Seats: 5,
		Owner: OwnerAccount{User: ownerID, PII: personal(ownerID), EmailIndex: emailIdx(ownerID)},
	}
	ownerEvents := []Event{
		UserInvited{User: ownerID, PII: personal(ownerID), EmailIndex: emailIdx(ownerID), Role: RoleOwner, Kind: KindMember},
		UserActivated{User: ownerID},
	}
	patched := create
	patched.Preset, patched.Patch = PresetCommerce, &PolicyPatch{InactiveCanLogin: ptr(true)}
	byUser := create
	byUser.Actor = by("someone")
	unknownPreset := create
	unknownPreset.Preset = "lenient"
	badKnob := create
	badKnob.Patch = &PolicyPatch{SeatLimit: ptr(SeatLimit("sometimes"))}
	noManagers := create
	noManagers.Patch = &PolicyPatch{ManagersOfUsers: []Role{}}
	badID := create
	badID.Tenant = "Acme!"
	reservedOwner := create
	reservedOwner.Owner.User = Unassigned
	noName := create
	noName.Name = ""
	negative := create
	negative.Seats = -1
	noOwnerEmail := create
	noOwnerEmail.Owner.EmailIndex = ""
	noSeats := create
	noSeats.Seats = 0
	noSeatsIgnored := noSeats
	noSeatsIgnored.Preset = PresetFieldService

	runSpecs(t, []spec{
		{name: "creating_a_tenant_records_policy_seats_and_an_active_owner", when: create, then: events([]Event{
			TenantCreated{Tenant: "acme", Name: "Acme", Preset: PresetStrict, Policy: mustPreset(PresetStrict)},
			SeatsChanged{Seats: 5},
		}, ownerEvents)},
		{name: "a_patch_overrides_single_knobs_of_the_preset", when: patched, then: events([]Event{
			TenantCreated{Tenant: "acme", Name: "Acme", Preset: PresetCommerce,
				Policy: mustPreset(PresetCommerce, PolicyPatch{InactiveCanLogin: ptr(true)})},
			SeatsChanged{Seats: 5},
		}, ownerEvents)},
		{name: "creating_an_existing_tenant_is_refused", given: tenant(PresetStrict, 5), when: create, wantErr: CodeInvalidTransition},
		{name: "only_the_operator_creates_tenants", when: byUser, wantErr: CodeForbidden},
		{name: "an_unknown_preset_is_invalid", when: unknownPreset, wantErr: CodeInvalid},
		{name: "a_bad_knob_value_is_invalid", when: badKnob, wantErr: CodeInvalid},
		{name: "a_policy_naming_no_manager_of_users_is_invalid", when: noManagers, wantErr: CodeInvalid, wantField: "policy.managers_of_users"},
		{name: "a_malformed_tenant_id_is_invalid", when: badID, wantErr: CodeInvalid},
		{name: "the_reserved_unassigned_id_cannot_be_a_user", when: reservedOwner, wantErr: CodeInvalid},
		{name: "a_tenant_needs_a_name", when: noName, wantErr: CodeInvalid},
		{name: "negative_seats_are_invalid", when: negative, wantErr: CodeInvalid},
		{name: "the_owner_needs_an_e_mail", when: noOwnerEmail, wantErr: CodeInvalid},
		{name: "an_enforced_tenant_without_a_seat_for_its_owner_is_refused", when: noSeats, wantErr: CodeSeatLimit},
		{name: "a_tenant_without_seats_is_fine_when_seats_are_ignored", when: noSeatsIgnored, then: events([]Event{
			TenantCreated{Tenant: "acme", Name: "Acme", Preset: PresetFieldService, Policy: mustPreset(PresetFieldService)},
			SeatsChanged{Seats: 0},
		}, ownerEvents)},
	})
}

func TestDecideChangePolicy(t *testing.T) {
	t.Parallel()
	loginPatch := PolicyPatch{InactiveCanLogin: ptr(true)}
	countInactive := PolicyPatch{InactiveConsumesSeat: ptr(true)}
	full := events(tenant(PresetStrict, 2), staff("mem", RoleMember), deactivated("mem"), staff("m2", RoleMember))
	runSpecs(t, []spec{
		{name: "an_owner_overrides_one_knob", given: tenant(PresetStrict, 5),
			when: ChangePolicy{Actor: by(ownerID), Patch: loginPatch},
			then: []Event{TenantPolicyChanged{Preset: PresetStrict, Policy: mustPreset(PresetStrict, loginPatch)}}},
		{name: "choosing_a_preset_resets_earlier_overrides", given: tenant(PresetStrict, 5, loginPatch),
			when: ChangePolicy{Actor: by(ownerID), Preset: ptr(PresetHelpdesk)},
			then: []Event{TenantPolicyChanged{Preset: PresetHelpdesk, Policy: mustPreset(PresetHelpdesk)}}},
		{name: "managers_are_compared_as_a_set", given: tenant(PresetStrict, 5),
			when: ChangePolicy{Actor: by(ownerID), Patch: PolicyPatch{ManagersOfUsers: []Role{RoleAdmin, RoleOwner, RoleAdmin}}}},
		{name: "setting_the_current_policy_is_a_noop", given: tenant(PresetStrict, 5, loginPatch),
			when: ChangePolicy{Actor: by(ownerID), Patch: loginPatch}},
		{name: "an_admin_may_not_change_the_policy", given: strictStaff(),
			when: ChangePolicy{Actor: by("adm"), Patch: loginPatch}, wantErr: CodeForbidden},
		{name: "a_bad_handoff_is_invalid", given: tenant(PresetStrict, 5),
			when: ChangePolicy{Actor: by(ownerID), Patch: PolicyPatch{HandoffOnDeactivate: ptr(Handoff("nobody"))}}, wantErr: CodeInvalid},
		{name: "an_unknown_role_among_managers_is_invalid", given: tenant(PresetStrict, 5),
			when: ChangePolicy{Actor: by(ownerID), Patch: PolicyPatch{ManagersOfUsers: []Role{"boss"}}}, wantErr: CodeInvalid},
		{name: "counting_inactive_users_beyond_the_seats_is_refused", given: full,
			when: ChangePolicy{Actor: by(ownerID), Patch: countInactive}, wantErr: CodeSeatLimit},
		{name: "a_tenant_that_does_not_exist_is_not_found",
			when: ChangePolicy{Actor: op, Patch: loginPatch}, wantErr: CodeNotFound},
		{name: "a_policy_under_which_nobody_manages_users_is_refused", given: tenant(PresetStrict, 5),
			when:    ChangePolicy{Actor: by(ownerID), Patch: PolicyPatch{ManagersOfUsers: []Role{}}},
			wantErr: CodeInvalid, wantField: "managers_of_users"},
		{name: "a_policy_under_which_owners_do_not_manage_users_is_refused", given: tenant(PresetStrict, 5),
			when:    ChangePolicy{Actor: by(ownerID), Patch: PolicyPatch{ManagersOfUsers: []Role{RoleAdmin, RoleManager}}},
			wantErr: CodeInvalid, wantField: "managers_of_users"},
		{name: "a_stale_if_match_is_a_mismatch", given: tenant(PresetStrict, 5),
			when: ChangePolicy{Actor: by(ownerID), IfVersion: ptr(int64(1)), Patch: loginPatch}, wantErr: CodeVersionMismatch},
		{name: "a_stale_if_match_is_a_mismatch_even_for_a_noop", given: tenant(PresetStrict, 5, loginPatch),
			when: ChangePolicy{Actor: by(ownerID), IfVersion: ptr(int64(1)), Patch: loginPatch}, wantErr: CodeVersionMismatch},
		{name: "the_current_if_match_goes_through", given: events(tenant(PresetStrict, 5), staff("mem", RoleMember)),
			when: ChangePolicy{Actor: by(ownerID), IfVersion: ptr(int64(2)), Patch: loginPatch},
			then: []Event{TenantPolicyChanged{Preset: PresetStrict, Policy: mustPreset(PresetStrict, loginPatch)}}},
	})
}

// A history stored before owners were bound to manage users still lets
// them: the state and the policy it shows count owners among the managers.
func TestOwnersManageUsersWhateverAnOldPolicySaid(t *testing.T) {
	t.Parallel()
	old := mustPreset(PresetStrict)
	old.ManagersOfUsers = []Role{}
	s := replay(events(tenant(PresetStrict, 5), []Event{TenantPolicyChanged{Preset: PresetStrict, Policy: old}}, staff("mem", RoleMember)))
	if p := s.Policy(); !p.Manages(RoleOwner) || len(p.ManagersOfUsers) != 1 {
		t.Fatalf("the policy read back: %v", p.ManagersOfUsers)
	}
	if _, err := Decide(s, DeactivateUser{Actor: by(ownerID), User: "mem", At: t0}); err != nil {
		t.Fatalf("the owner may not manage users: %v", err)
	}
}

func TestDecideChangeSeats(t *testing.T) {
	t.Parallel()
	three := events(tenant(PresetStrict, 5), staff("adm", RoleAdmin), staff("mem", RoleMember))
	ignored := events(tenant(PresetFieldService, 5), staff("adm", RoleAdmin), staff("mem", RoleMember))
	runSpecs(t, []spec{
		{name: "an_owner_buys_seats", given: three, when: ChangeSeats{Actor: by(ownerID), Seats: 8},
			then: []Event{SeatsChanged{Seats: 8, Previous: 5}}},
		{name: "going_down_to_the_seats_in_use_is_allowed", given: three, when: ChangeSeats{Actor: by(ownerID), Seats: 3},
			then: []Event{SeatsChanged{Seats: 3, Previous: 5}}},
		{name: "the_same_number_of_seats_is_a_noop", given: three, when: ChangeSeats{Actor: op, Seats: 5}},
		{name: "going_below_the_seats_in_use_is_refused", given: three, when: ChangeSeats{Actor: by(ownerID), Seats: 2},
			wantErr: CodeSeatLimit},
		{name: "going_below_the_seats_in_use_is_allowed_when_seats_are_ignored", given: ignored,
			when: ChangeSeats{Actor: by(ownerID), Seats: 1}, then: []Event{SeatsChanged{Seats: 1, Previous: 5}}},
		{name: "negative_seats_are_invalid", given: three, when: ChangeSeats{Actor: by(ownerID), Seats: -1}, wantErr: CodeInvalid},
		{name: "an_admin_may_not_buy_seats", given: three, when: ChangeSeats{Actor: by("adm"), Seats: 9}, wantErr: CodeForbidden},
		{name: "a_stale_if_match_is_a_mismatch", given: three, when: ChangeSeats{Actor: by(ownerID), IfVersion: ptr(int64(1)), Seats: 8},
			wantErr: CodeVersionMismatch},
		{name: "the_tenants_version_moves_with_its_settings_only", given: three,
			when: ChangeSeats{Actor: by(ownerID), IfVersion: ptr(int64(2)), Seats: 8}, then: []Event{SeatsChanged{Seats: 8, Previous: 5}}},
	})
}
