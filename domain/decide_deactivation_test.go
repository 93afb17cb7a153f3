package domain

import "testing"

func TestDecideDeactivateUser(t *testing.T) {
	t.Parallel()
	deactivate := func(id UserID) DeactivateUser { return DeactivateUser{Actor: by("adm"), User: id, At: t0} }
	revoked := func(id UserID) SessionsRevoked {
		return SessionsRevoked{User: id, RevokedBefore: t0, Reason: ReasonDeactivated}
	}
	withWork := events(strictStaff(), staff("ann", RoleMember), work("j1", "mem"), work("j2", "mem"))
	handoff := func(to UserID) DeactivateUser {
		c := deactivate("mem")
		c.HandoffTo = ptr(to)
		return c
	}
	commerce := events(tenant(PresetCommerce, 10), staff("adm", RoleAdmin), staff("lead", RoleMember),
		staff("mem", RoleMember), staff("boss", RoleMember), teamWith("a", "boss"), teamWith("b", "lead", "mem"),
		work("o1", "mem"))
	noTeam := events(tenant(PresetCommerce, 10), staff("adm", RoleAdmin), staff("mem", RoleMember),
		staff("lead", RoleMember), staff("l2", RoleMember), teamWith("z", "lead"), teamWith("y", "l2"), work("o1", "mem"))
	shop := events(tenant(PresetCommerce, 10), staff("adm", RoleAdmin), customer("cus"))
	allowCus := deactivate("cus")
	allowCus.AllowReactivationOnPurchase = true
	byManager := events(tenant(PresetStrict, 10, PolicyPatch{ManagersOfUsers: []Role{RoleOwner, RoleAdmin, RoleManager}}),
		staff("adm", RoleAdmin), staff("mgr", RoleManager))

	runSpecs(t, []spec{
		{name: "deactivating_under_strict_revokes_sessions", given: strictStaff(), when: deactivate("mem"),
			then: []Event{UserDeactivated{User: "mem"}, revoked("mem")}},
		{name: "deactivating_an_invited_user", given: events(strictStaff(), invitedAs("new", RoleMember, KindMember)),
			when: deactivate("new"), then: []Event{UserDeactivated{User: "new"}, revoked("new")}},
		{name: "deactivating_an_inactive_user_is_a_noop", given: events(strictStaff(), deactivated("mem")), when: deactivate("mem")},
		{name: "deactivating_a_blocked_user_is_refused", given: events(strictStaff(), blocked("mem", StatusActive)),
			when: deactivate("mem"), wantErr: CodeInvalidTransition},
		{name: "deactivating_the_sole_owner_is_refused", given: strictStaff(),
			when: DeactivateUser{Actor: by(ownerID), User: ownerID, At: t0}, wantErr: CodeSoleOwner},
		{name: "deactivating_one_of_two_owners_is_allowed", given: events(strictStaff(), staff("own2", RoleOwner)),
			when: DeactivateUser{Actor: by("own2"), User: ownerID, At: t0},
			then: []Event{UserDeactivated{User: ownerID}, revoked(ownerID)}},
		{name: "an_admin_may_not_deactivate_an_owner", given: events(strictStaff(), staff("own2", RoleOwner)),
			when: deactivate(ownerID), wantErr: CodeHigherRole},
		{name: "a_manager_may_not_deactivate_an_admin", given: byManager,
			when: DeactivateUser{Actor: by("mgr"), User: "adm", At: t0}, wantErr: CodeHigherRole},
		{name: "the_operator_may_deactivate_anyone_below_the_invariants",
			given: events(strictStaff(), staff("own2", RoleOwner)),
			when:  DeactivateUser{Actor: op, User: ownerID, At: t0},
			then:  []Event{UserDeactivated{User: ownerID}, revoked(ownerID)}},
		{name: "a_member_may_not_deactivate", given: strictStaff(),
			when: DeactivateUser{Actor: by("mem"), User: "mgr", At: t0}, wantErr: CodeForbidden},
		{name: "deactivation_needs_an_instant", given: strictStaff(),
			when: DeactivateUser{Actor: by("adm"), User: "mem"}, wantErr: CodeInvalid},
		{name: "work_stays_with_the_user_under_keep", given: withWork, when: deactivate("mem"),
			then: []Event{UserDeactivated{User: "mem"}, revoked("mem")}},
		{name: "handoff_to_a_user_moves_all_their_work", given: withWork, when: handoff("ann"),
			then: []Event{UserDeactivated{User: "mem"}, revoked("mem"),
				OwnershipTransferred{From: "mem", To: "ann", Items: []WorkItemID{"j1", "j2"}, Reason: ReasonDeactivated}}},
		{name: "handoff_to_unassigned_unassigns_their_work", given: withWork, when: handoff(Unassigned),
			then: []Event{UserDeactivated{User: "mem"}, revoked("mem"),
				OwnershipTransferred{From: "mem", To: "", Items: []WorkItemID{"j1", "j2"}, Reason: ReasonDeactivated}}},
		{name: "handoff_to_an_inactive_user_is_refused", given: events(withWork, deactivated("ann")), when: handoff("ann"),
			wantErr: CodeNotAssignable},
		{name: "handoff_to_the_user_themselves_is_refused", given: withWork, when: handoff("mem"), wantErr: CodeNotAssignable},
		{name: "handoff_to_an_unknown_user_is_not_found", given: withWork, when: handoff("ghost"), wantErr: CodeNotFound},
		{name: "deactivating_a_team_leader_is_refused_under_commerce", given: commerce, when: deactivate("lead"),
			wantErr: CodeTeamLeader},
		{name: "commerce_hands_work_to_the_team_leader_and_leaves_teams", given: commerce, when: deactivate("mem"),
			then: []Event{UserDeactivated{User: "mem"}, revoked("mem"),
				OwnershipTransferred{From: "mem", To: "lead", Items: []WorkItemID{"o1"}, Reason: ReasonDeactivated},
				TeamLeft{Team: "b", User: "mem"}}},
		{name: "without_a_team_work_goes_to_the_leader_of_the_first_team", given: noTeam, when: deactivate("mem"),
			then: []Event{UserDeactivated{User: "mem"}, revoked("mem"),
				OwnershipTransferred{From: "mem", To: "l2", Items: []WorkItemID{"o1"}, Reason: ReasonDeactivated}}},
		{name: "without_any_assignable_leader_work_stays", given: events(noTeam, deactivated("lead"), deactivated("l2")),
			when: deactivate("mem"), then: []Event{UserDeactivated{User: "mem"}, revoked("mem")}},
		{name: "a_leader_leaving_teams_on_deactivation_gives_up_the_lead",
			given: events(tenant(PresetStrict, 10, PolicyPatch{DeactivateLeavesTeams: ptr(true)}), staff("adm", RoleAdmin),
				staff("mem", RoleMember), teamWith("a", "mem")),
			when: deactivate("mem"),
			then: []Event{UserDeactivated{User: "mem"}, revoked("mem"),
				TeamLeaderAssigned{Team: "a", Leader: "", Previous: "mem"}, TeamLeft{Team: "a", User: "mem"}}},
		{name: "a_deactivated_customer_e_mail_is_blocklisted", given: shop, when: deactivate("cus"),
			then: []Event{UserDeactivated{User: "cus"}, revoked("cus"), CustomerEmailBlocked{User: "cus", EmailIndex: emailIdx("cus")}}},
		{name: "allowing_reactivation_on_purchase_keeps_the_e_mail_usable", given: shop, when: allowCus,
			then: []Event{UserDeactivated{User: "cus", AllowReactivationOnPurchase: true}, revoked("cus")}},
		{name: "field_service_neither_revokes_sessions_nor_moves_work",
			given: events(tenant(PresetFieldService, 10), staff("adm", RoleAdmin), staff("mem", RoleMember), work("j1", "mem")),
			when:  deactivate("mem"), then: []Event{UserDeactivated{User: "mem"}}},
	})
}
