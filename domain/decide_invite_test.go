package domain

import "testing"

func TestDecideInviteUser(t *testing.T) {
	t.Parallel()
	invite := func(id UserID, role Role) InviteUser {
		return InviteUser{Actor: by("adm"), User: id, PII: personal(id), EmailIndex: emailIdx(id), Role: role}
	}
	invitedEvent := func(id UserID, role Role, kind Kind) UserInvited {
		return UserInvited{User: id, PII: personal(id), EmailIndex: emailIdx(id), Role: role, Kind: kind}
	}
	withTeams := invite("new", RoleMember)
	withTeams.Teams, withTeams.Activate = []TeamID{"red", "blue", "red"}, true
	unknownTeam := invite("new", RoleMember)
	unknownTeam.Teams = []TeamID{"green"}
	reusedID := invite("mem", RoleMember)
	reusedID.EmailIndex = emailIdx("someone-else")
	sameEmail := invite("new", RoleMember)
	sameEmail.EmailIndex = emailIdx("mem")
	cust := invite("cus", RoleMember)
	cust.Kind = KindCustomer
	custAdmin := cust
	custAdmin.Role = RoleAdmin
	byMember := invite("new", RoleMember)
	byMember.Actor = by("mem")
	byInactive := invite("new", RoleMember)
	managersManage := PolicyPatch{ManagersOfUsers: []Role{RoleOwner, RoleAdmin, RoleManager}}
	byManager := invite("new", RoleAdmin)
	byManager.Actor = by("mgr")
	ownerByOwner := invite("own2", RoleOwner)
	ownerByOwner.Actor = by(ownerID)
	noEmail := invite("new", RoleMember)
	noEmail.EmailIndex = ""
	teams := events(strictStaff(), teamWith("red", ""), teamWith("blue", ""))
	fullSeats := events(tenant(PresetStrict, 2), staff("adm", RoleAdmin))

	runSpecs(t, []spec{
		{name: "an_admin_invites_a_member", given: strictStaff(), when: invite("new", RoleMember),
			then: []Event{invitedEvent("new", RoleMember, KindMember)}},
		{name: "inviting_with_teams_and_activate_joins_and_activates", given: teams, when: withTeams,
			then: []Event{invitedEvent("new", RoleMember, KindMember), TeamJoined{Team: "red", User: "new"},
				TeamJoined{Team: "blue", User: "new"}, UserActivated{User: "new"}}},
		{name: "an_owner_invites_an_owner", given: strictStaff(), when: ownerByOwner,
			then: []Event{invitedEvent("own2", RoleOwner, KindMember)}},
		{name: "an_unknown_team_is_not_found", given: teams, when: unknownTeam, wantErr: CodeNotFound},
		{name: "an_e_mail_of_another_user_is_taken", given: strictStaff(), when: sameEmail, wantErr: CodeEmailTaken},
		{name: "the_e_mail_of_a_deleted_user_is_free_again", given: events(strictStaff(), deleted("mem")), when: sameEmail,
			then: []Event{UserInvited{User: "new", PII: personal("new"), EmailIndex: emailIdx("mem"), Role: RoleMember, Kind: KindMember}}},
		{name: "a_blocklisted_customer_e_mail_is_refused",
			given: events(strictStaff(), []Event{CustomerEmailBlocked{User: "old", EmailIndex: emailIdx("cus")}}),
			when:  cust, wantErr: CodeEmailBlocked},
		{name: "an_invitation_needs_a_free_seat", given: fullSeats, when: invite("new", RoleMember), wantErr: CodeSeatLimit},
		{name: "a_customer_needs_no_seat", given: fullSeats, when: cust,
			then: []Event{invitedEvent("cus", RoleMember, KindCustomer)}},
		{name: "a_customer_is_always_a_member", given: strictStaff(), when: custAdmin, wantErr: CodeInvalid},
		{name: "only_an_owner_invites_an_owner", given: strictStaff(), when: invite("new", RoleOwner), wantErr: CodeHigherRole},
		{name: "nobody_invites_above_their_own_role", given: events(strictStaff(), []Event{TenantPolicyChanged{
			Preset: PresetStrict, Policy: mustPreset(PresetStrict, managersManage)}}), when: byManager, wantErr: CodeHigherRole},
		{name: "a_member_may_not_invite", given: strictStaff(), when: byMember, wantErr: CodeForbidden},
		{name: "an_inactive_admin_may_not_act_where_inactive_users_cannot_log_in",
			given: events(strictStaff(), deactivated("adm")), when: byInactive, wantErr: CodeUnauthenticated},
		{name: "resending_the_same_invitation_is_a_no_op", given: strictStaff(), when: invite("mem", RoleMember)},
		{name: "an_existing_id_with_another_role_is_refused", given: strictStaff(), when: invite("mem", RoleManager), wantErr: CodeInvalidTransition},
		{name: "an_existing_id_with_another_e_mail_is_refused", given: strictStaff(), when: reusedID, wantErr: CodeInvalidTransition},
		{name: "a_deleted_users_id_is_never_reused", given: events(strictStaff(), []Event{UserDeleted{User: "mem"}}),
			when: invite("mem", RoleMember), wantErr: CodeInvalidTransition},
		{name: "an_unknown_role_is_invalid", given: strictStaff(), when: invite("new", "boss"), wantErr: CodeInvalid},
		{name: "an_upper_case_user_id_is_invalid", given: strictStaff(), when: invite("New", RoleMember), wantErr: CodeInvalid},
		{name: "an_unknown_kind_is_invalid", given: strictStaff(),
			when: InviteUser{Actor: op, User: "new", EmailIndex: "x", Role: RoleMember, Kind: "robot"}, wantErr: CodeInvalid},
		{name: "an_invitation_needs_an_e_mail", given: strictStaff(), when: noEmail, wantErr: CodeInvalid},
	})
}
