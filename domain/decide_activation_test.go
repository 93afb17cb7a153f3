package domain

import "testing"

func TestDecideActivateUser(t *testing.T) {
	t.Parallel()
	activate := func(id UserID) ActivateUser { return ActivateUser{Actor: by("adm"), User: id} }
	runSpecs(t, []spec{
		{name: "activating_an_invited_user", given: events(strictStaff(), invitedAs("new", RoleMember, KindMember)),
			when: activate("new"), then: []Event{UserActivated{User: "new"}}},
		{name: "activating_an_invited_user_needs_no_new_seat",
			given: events(tenant(PresetStrict, 2), staff("adm", RoleAdmin), invitedAs("new", RoleMember, KindMember),
				[]Event{SeatsChanged{Seats: 3, Previous: 2}}),
			when: activate("new"), then: []Event{UserActivated{User: "new"}}},
		{name: "activating_an_inactive_user_reactivates_them", given: events(strictStaff(), deactivated("mem")),
			when: activate("mem"), then: []Event{UserReactivated{User: "mem"}}},
		{name: "activating_an_active_user_is_a_noop", given: strictStaff(), when: activate("mem")},
		{name: "activating_a_blocked_user_is_refused", given: events(strictStaff(), blocked("mem", StatusActive)),
			when: activate("mem"), wantErr: CodeInvalidTransition},
		{name: "activating_a_deleted_user_is_refused", given: events(strictStaff(), deleted("mem")),
			when: activate("mem"), wantErr: CodeUserDeleted},
		{name: "activating_an_unknown_user_is_not_found", given: strictStaff(), when: activate("ghost"), wantErr: CodeNotFound},
		{name: "a_stale_if_match_is_refused", given: events(strictStaff(), invitedAs("new", RoleMember, KindMember)),
			when: ActivateUser{Actor: by("adm"), User: "new", IfVersion: ptr(int64(7))}, wantErr: CodeVersionMismatch},
		{name: "a_current_if_match_is_accepted", given: events(strictStaff(), invitedAs("new", RoleMember, KindMember)),
			when: ActivateUser{Actor: by("adm"), User: "new", IfVersion: ptr(int64(1))}, then: []Event{UserActivated{User: "new"}}},
		{name: "reactivating_by_activate_needs_a_free_seat",
			given: events(tenant(PresetStrict, 3), staff("adm", RoleAdmin), staff("mem", RoleMember), deactivated("mem"),
				staff("tmp", RoleMember)),
			when: activate("mem"), wantErr: CodeSeatLimit},
	})
}

func TestDecideReactivateUser(t *testing.T) {
	t.Parallel()
	reactivate := func(id UserID) ReactivateUser { return ReactivateUser{Actor: by("adm"), User: id} }
	blocklisted := events(tenant(PresetCommerce, 5), staff("adm", RoleAdmin), customer("cus"), deactivated("cus"),
		[]Event{CustomerEmailBlocked{User: "cus", EmailIndex: emailIdx("cus")}})
	runSpecs(t, []spec{
		{name: "reactivating_an_inactive_user", given: events(strictStaff(), deactivated("mem")),
			when: reactivate("mem"), then: []Event{UserReactivated{User: "mem"}}},
		{name: "a_manual_reactivation_lifts_the_blocklist", given: blocklisted, when: reactivate("cus"),
			then: []Event{UserReactivated{User: "cus"}, CustomerEmailUnblocked{User: "cus", EmailIndex: emailIdx("cus")}}},
		{name: "reactivating_an_active_user_is_a_noop", given: strictStaff(), when: reactivate("mem")},
		{name: "reactivating_an_invited_user_is_refused", given: events(strictStaff(), invitedAs("new", RoleMember, KindMember)),
			when: reactivate("new"), wantErr: CodeInvalidTransition},
		{name: "reactivating_a_blocked_user_is_refused", given: events(strictStaff(), blocked("mem", StatusInactive)),
			when: reactivate("mem"), wantErr: CodeInvalidTransition},
		{name: "reactivation_needs_a_free_seat",
			given: events(tenant(PresetStrict, 3), staff("adm", RoleAdmin), staff("mem", RoleMember), deactivated("mem"),
				staff("tmp", RoleMember)),
			when: reactivate("mem"), wantErr: CodeSeatLimit},
		{name: "a_member_may_not_reactivate", given: events(strictStaff(), deactivated("mgr")),
			when: ReactivateUser{Actor: by("mem"), User: "mgr"}, wantErr: CodeForbidden},
	})
}

func TestDecideReactivateOnPurchase(t *testing.T) {
	t.Parallel()
	purchase := func(id UserID) ReactivateOnPurchase { return ReactivateOnPurchase{Actor: op, EmailIndex: emailIdx(id)} }
	allowed := events(tenant(PresetCommerce, 5), customer("cus"),
		[]Event{UserDeactivated{User: "cus", AllowReactivationOnPurchase: true}})
	runSpecs(t, []spec{
		{name: "a_purchase_reactivates_a_customer_whose_deactivation_allowed_it", given: allowed, when: purchase("cus"),
			then: []Event{UserReactivated{User: "cus"}}},
		{name: "a_purchase_from_a_blocklisted_e_mail_is_refused",
			given: events(tenant(PresetCommerce, 5), customer("cus"), deactivated("cus"),
				[]Event{CustomerEmailBlocked{User: "cus", EmailIndex: emailIdx("cus")}}),
			when: purchase("cus"), wantErr: CodeEmailBlocked},
		{name: "a_purchase_by_an_active_customer_is_a_noop", given: events(tenant(PresetCommerce, 5), customer("cus")),
			when: purchase("cus")},
		{name: "a_purchase_by_an_unknown_e_mail_is_a_noop", given: allowed, when: purchase("stranger")},
		{name: "a_purchase_does_not_reactivate_when_the_policy_is_off",
			given: events(allowed, []Event{TenantPolicyChanged{Preset: PresetStrict, Policy: mustPreset(PresetStrict)}}),
			when:  purchase("cus")},
		{name: "only_the_system_reactivates_on_purchase", given: allowed,
			when: ReactivateOnPurchase{Actor: by(ownerID), EmailIndex: emailIdx("cus")}, wantErr: CodeForbidden},
		{name: "a_purchase_needs_an_e_mail", given: allowed, when: ReactivateOnPurchase{Actor: op}, wantErr: CodeInvalid},
	})
}
