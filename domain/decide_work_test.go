package domain

import "testing"

func TestDecideAssignWork(t *testing.T) {
	t.Parallel()
	assign := func(item WorkItemID, to *UserID) AssignWork {
		return AssignWork{Actor: by("adm"), Item: item, Kind: "job", Assignee: to}
	}
	jobs := events(strictStaff(), customer("cus"), work("j1", "mem"))
	runSpecs(t, []spec{
		{name: "assigning_a_new_item", given: jobs, when: assign("j2", ptr(UserID("mem"))),
			then: []Event{WorkAssigned{Item: "j2", Kind: "job", Assignee: "mem"}}},
		{name: "reassigning_records_the_previous_assignee", given: jobs, when: assign("j1", ptr(UserID("mgr"))),
			then: []Event{WorkAssigned{Item: "j1", Kind: "job", Assignee: "mgr", Previous: "mem"}}},
		{name: "unassigning_an_item", given: jobs, when: assign("j1", nil),
			then: []Event{WorkAssigned{Item: "j1", Kind: "job", Previous: "mem"}}},
		{name: "assigning_to_the_current_assignee_is_a_noop", given: jobs, when: assign("j1", ptr(UserID("mem")))},
		{name: "an_empty_kind_keeps_the_kind_of_an_existing_item", given: jobs,
			when: AssignWork{Actor: by("mem"), Item: "j1", Assignee: ptr(UserID("mem"))}},
		{name: "an_inactive_user_is_not_assignable", given: events(jobs, deactivated("mgr")),
			when: assign("j2", ptr(UserID("mgr"))), wantErr: CodeNotAssignable},
		{name: "an_invited_user_is_not_assignable", given: events(jobs, invitedAs("new", RoleMember, KindMember)),
			when: assign("j2", ptr(UserID("new"))), wantErr: CodeNotAssignable},
		{name: "a_customer_is_not_assignable", given: jobs, when: assign("j2", ptr(UserID("cus"))), wantErr: CodeNotAssignable},
		{name: "an_unknown_assignee_is_not_found", given: jobs, when: assign("j2", ptr(UserID("ghost"))), wantErr: CodeNotFound},
		{name: "a_new_item_needs_a_kind", given: jobs, when: AssignWork{Actor: by("adm"), Item: "j9"}, wantErr: CodeInvalid},
		{name: "a_customer_may_not_assign_work", given: jobs,
			when: AssignWork{Actor: by("cus"), Item: "j2", Kind: "job"}, wantErr: CodeForbidden},
	})
}

// Work assignment rights follow the seeds: managers of users assign any
// item to anyone; other staff take an item nobody holds and hand back their
// own, and nothing else; customers nothing.
func TestDecideWhoMayAssignWork(t *testing.T) {
	t.Parallel()
	jobs := events(strictStaff(), staff("ann", RoleMember), customer("cus"),
		work("mine", "mem"), work("anns", "ann"), work("owners", ownerID), work("free", ""))
	move := func(actor, item UserID, to *UserID) AssignWork {
		return AssignWork{Actor: by(actor), Item: WorkItemID(item), Assignee: to}
	}
	someone := func(id UserID) *UserID { return &id }
	runSpecs(t, []spec{
		{name: "a_member_takes_an_item_nobody_holds", given: jobs, when: move("mem", "free", someone("mem")),
			then: []Event{WorkAssigned{Item: "free", Kind: "job", Assignee: "mem"}}},
		{name: "a_member_hands_back_their_own_item", given: jobs, when: move("mem", "mine", nil),
			then: []Event{WorkAssigned{Item: "mine", Kind: "job", Previous: "mem"}}},
		{name: "a_member_files_a_new_item_for_nobody", given: jobs,
			when: AssignWork{Actor: by("mem"), Item: "new", Kind: "job"}, then: []Event{WorkAssigned{Item: "new", Kind: "job"}}},
		{name: "a_member_files_a_new_item_for_themselves", given: jobs,
			when: AssignWork{Actor: by("mem"), Item: "new", Kind: "job", Assignee: someone("mem")},
			then: []Event{WorkAssigned{Item: "new", Kind: "job", Assignee: "mem"}}},
		{name: "a_member_may_not_take_another_members_item", given: jobs, when: move("mem", "anns", someone("mem")), wantErr: CodeForbidden},
		{name: "a_member_may_not_take_the_owners_item", given: jobs, when: move("mem", "owners", someone("mem")), wantErr: CodeForbidden},
		{name: "a_member_may_not_unassign_another_members_item", given: jobs, when: move("mem", "anns", nil), wantErr: CodeForbidden},
		{name: "a_member_may_not_pass_their_item_to_another", given: jobs, when: move("mem", "mine", someone("ann")), wantErr: CodeForbidden},
		{name: "a_member_may_not_give_an_item_nobody_holds_to_another", given: jobs, when: move("mem", "free", someone("ann")),
			wantErr: CodeForbidden},
		{name: "a_member_may_not_file_a_new_item_for_another", given: jobs,
			when: AssignWork{Actor: by("mem"), Item: "new", Kind: "job", Assignee: someone("ann")}, wantErr: CodeForbidden},
		{name: "rights_come_before_the_noop", given: jobs, when: move("mem", "anns", someone("ann")), wantErr: CodeForbidden},
		{name: "a_manager_under_strict_is_other_staff", given: jobs, when: move("mgr", "anns", someone("mgr")), wantErr: CodeForbidden},
		{name: "an_admin_moves_anyones_item_to_anyone", given: jobs, when: move("adm", "owners", someone("ann")),
			then: []Event{WorkAssigned{Item: "owners", Kind: "job", Assignee: "ann", Previous: ownerID}}},
		{name: "the_roles_the_policy_names_manage_work",
			given: events(tenant(PresetStrict, 10, PolicyPatch{ManagersOfUsers: []Role{RoleOwner, RoleManager}}), staff("mgr", RoleManager),
				staff("mem", RoleMember), work("mine", "mem")),
			when: move("mgr", "mine", someone("mgr")), then: []Event{WorkAssigned{Item: "mine", Kind: "job", Assignee: "mgr", Previous: "mem"}}},
		{name: "the_operator_moves_anything", given: jobs, when: AssignWork{Actor: op, Item: "anns", Assignee: someone("mem")},
			then: []Event{WorkAssigned{Item: "anns", Kind: "job", Assignee: "mem", Previous: "ann"}}},
		{name: "a_customer_takes_nothing", given: jobs, when: move("cus", "free", nil), wantErr: CodeForbidden},
	})
}

func TestDecideTransferOwnership(t *testing.T) {
	t.Parallel()
	jobs := events(strictStaff(), staff("ann", RoleMember), work("j2", "mem"), work("j1", "mem"), work("k1", "ann"))
	transfer := func(to UserID, items []WorkItemID) TransferOwnership {
		return TransferOwnership{Actor: by("adm"), From: "mem", To: to, Items: items, Reason: "handover"}
	}
	runSpecs(t, []spec{
		{name: "transferring_all_items_sorted", given: jobs, when: transfer("ann", nil),
			then: []Event{OwnershipTransferred{From: "mem", To: "ann", Items: []WorkItemID{"j1", "j2"}, Reason: "handover"}}},
		{name: "transferring_to_unassigned", given: jobs, when: transfer(Unassigned, nil),
			then: []Event{OwnershipTransferred{From: "mem", To: "", Items: []WorkItemID{"j1", "j2"}, Reason: "handover"}}},
		{name: "listed_items_not_held_by_from_are_skipped", given: jobs, when: transfer("ann", []WorkItemID{"k1", "j2"}),
			then: []Event{OwnershipTransferred{From: "mem", To: "ann", Items: []WorkItemID{"j2"}, Reason: "handover"}}},
		{name: "a_deleted_users_leftover_work_can_be_moved", given: events(jobs, deleted("mem")), when: transfer("ann", nil),
			then: []Event{OwnershipTransferred{From: "mem", To: "ann", Items: []WorkItemID{"j1", "j2"}, Reason: "handover"}}},
		{name: "a_member_hands_back_all_their_work",
			given: jobs, when: TransferOwnership{Actor: by("mem"), From: "mem", To: Unassigned},
			then: []Event{OwnershipTransferred{From: "mem", To: "", Items: []WorkItemID{"j1", "j2"}}}},
		{name: "a_member_may_not_pass_their_work_to_another", given: jobs,
			when: TransferOwnership{Actor: by("mem"), From: "mem", To: "ann"}, wantErr: CodeForbidden},
		{name: "a_customer_transfers_nothing", given: events(jobs, customer("cus")),
			when: TransferOwnership{Actor: by("cus"), From: "cus", To: Unassigned}, wantErr: CodeForbidden},
		{name: "nothing_to_move_is_a_noop", given: jobs, when: transfer("ann", []WorkItemID{"k1"})},
		{name: "transferring_to_oneself_is_a_noop", given: jobs, when: transfer("mem", nil)},
		{name: "an_unknown_item_is_not_found", given: jobs, when: transfer("ann", []WorkItemID{"zz"}), wantErr: CodeNotFound},
		{name: "an_unknown_from_is_not_found", given: jobs,
			when: TransferOwnership{Actor: by("adm"), From: "ghost", To: "ann"}, wantErr: CodeNotFound},
		{name: "an_inactive_target_is_refused", given: events(jobs, deactivated("ann")), when: transfer("ann", nil),
			wantErr: CodeNotAssignable},
		{name: "a_transfer_needs_a_target", given: jobs, when: transfer("", nil), wantErr: CodeInvalid},
		{name: "a_member_may_not_move_someone_elses_work", given: jobs,
			when: TransferOwnership{Actor: by("ann"), From: "mem", To: "ann"}, wantErr: CodeForbidden},
	})
}

func TestDecideActorMustBeAbleToLogIn(t *testing.T) {
	t.Parallel()
	runSpecs(t, []spec{
		{name: "an_unknown_actor_is_unauthenticated", given: strictStaff(),
			when: DeactivateUser{Actor: by("stranger"), User: "mem", At: t0}, wantErr: CodeUnauthenticated},
		{name: "an_empty_actor_is_unauthenticated", given: strictStaff(),
			when: DeactivateUser{User: "mem", At: t0}, wantErr: CodeUnauthenticated},
		{name: "a_blocked_admin_is_unauthenticated", given: events(strictStaff(), blocked("adm", StatusActive)),
			when: DeactivateUser{Actor: by("adm"), User: "mem", At: t0}, wantErr: CodeUnauthenticated},
		{name: "an_inactive_admin_may_act_where_inactive_users_log_in",
			given: events(tenant(PresetFieldService, 10), staff("adm", RoleAdmin), staff("mem", RoleMember), deactivated("adm")),
			when:  DeactivateUser{Actor: by("adm"), User: "mem", At: t0}, then: []Event{UserDeactivated{User: "mem"}}},
		{name: "any_command_on_a_missing_tenant_is_not_found",
			when: InviteUser{Actor: op, User: "x", PII: personal("x"), EmailIndex: "i", Role: RoleMember}, wantErr: CodeNotFound},
	})
}
