package domain

import (
	"testing"
	"time"
)

func TestDecideBlockUser(t *testing.T) {
	t.Parallel()
	block := func(id UserID) BlockUser { return BlockUser{Actor: by("adm"), User: id, At: t0} }
	revoked := func(id UserID) SessionsRevoked {
		return SessionsRevoked{User: id, RevokedBefore: t0, Reason: ReasonBlocked}
	}
	runSpecs(t, []spec{
		{name: "blocking_an_active_user_revokes_their_sessions", given: strictStaff(), when: block("mem"),
			then: []Event{UserBlocked{User: "mem", PreviousStatus: StatusActive}, revoked("mem")}},
		{name: "blocking_an_inactive_user_remembers_inactive", given: events(strictStaff(), deactivated("mem")),
			when: block("mem"), then: []Event{UserBlocked{User: "mem", PreviousStatus: StatusInactive}, revoked("mem")}},
		{name: "blocking_an_invited_user", given: events(strictStaff(), invitedAs("new", RoleMember, KindMember)),
			when: block("new"), then: []Event{UserBlocked{User: "new", PreviousStatus: StatusInvited}, revoked("new")}},
		{name: "blocking_a_blocked_user_is_a_noop", given: events(strictStaff(), blocked("mem", StatusActive)), when: block("mem")},
		{name: "blocking_the_sole_owner_is_refused", given: strictStaff(),
			when: BlockUser{Actor: op, User: ownerID, At: t0}, wantErr: CodeSoleOwner},
		{name: "an_admin_may_not_block_an_owner", given: events(strictStaff(), staff("own2", RoleOwner)),
			when: block(ownerID), wantErr: CodeHigherRole},
		{name: "blocking_a_deleted_user_is_refused", given: events(strictStaff(), deleted("mem")),
			when: block("mem"), wantErr: CodeUserDeleted},
		{name: "blocking_needs_an_instant", given: strictStaff(), when: BlockUser{Actor: by("adm"), User: "mem"}, wantErr: CodeInvalid},
	})
}

func TestDecideUnblockUser(t *testing.T) {
	t.Parallel()
	unblock := func(id UserID) UnblockUser { return UnblockUser{Actor: by("adm"), User: id} }
	full := events(tenant(PresetStrict, 3), staff("adm", RoleAdmin), staff("mem", RoleMember), deactivated("mem"),
		blocked("mem", StatusActive), staff("tmp", RoleMember))
	runSpecs(t, []spec{
		{name: "unblocking_returns_to_the_previous_status", given: events(strictStaff(), deactivated("mem"),
			blocked("mem", StatusInactive)), when: unblock("mem"), then: []Event{UserUnblocked{User: "mem", Status: StatusInactive}}},
		{name: "unblocking_a_user_who_is_not_blocked_is_refused", given: strictStaff(), when: unblock("mem"),
			wantErr: CodeInvalidTransition},
		{name: "unblocking_back_to_active_needs_a_free_seat", given: full, when: unblock("mem"), wantErr: CodeSeatLimit},
		{name: "a_member_may_not_unblock", given: events(strictStaff(), blocked("mgr", StatusActive)),
			when: UnblockUser{Actor: by("mem"), User: "mgr"}, wantErr: CodeForbidden},
	})
}

func TestDecideRevokeSessions(t *testing.T) {
	t.Parallel()
	later := t0.Add(3600e9)
	runSpecs(t, []spec{
		{name: "an_admin_forces_a_logout", given: strictStaff(),
			when: RevokeSessions{Actor: by("adm"), User: "mem", At: t0, Reason: "lost laptop"},
			then: []Event{SessionsRevoked{User: "mem", RevokedBefore: t0, Reason: "lost laptop"}}},
		{name: "a_user_logs_themselves_out_everywhere", given: strictStaff(),
			when: RevokeSessions{Actor: by("mem"), User: "mem", At: t0},
			then: []Event{SessionsRevoked{User: "mem", RevokedBefore: t0}}},
		{name: "revoking_again_is_a_new_instant_not_a_noop",
			given: events(strictStaff(), []Event{SessionsRevoked{User: "mem", RevokedBefore: t0}}),
			when:  RevokeSessions{Actor: by("adm"), User: "mem", At: later},
			then:  []Event{SessionsRevoked{User: "mem", RevokedBefore: later}}},
		{name: "a_member_may_not_log_out_someone_else", given: strictStaff(),
			when: RevokeSessions{Actor: by("mem"), User: "mgr", At: t0}, wantErr: CodeForbidden},
		{name: "an_admin_may_not_log_out_an_owner", given: strictStaff(),
			when: RevokeSessions{Actor: by("adm"), User: ownerID, At: t0}, wantErr: CodeHigherRole},
		{name: "logging_out_an_unknown_user_is_not_found", given: strictStaff(),
			when: RevokeSessions{Actor: by("adm"), User: "ghost", At: t0}, wantErr: CodeNotFound},
		{name: "revocation_needs_an_instant", given: strictStaff(),
			when: RevokeSessions{Actor: by("adm"), User: "mem"}, wantErr: CodeInvalid},
	})
}

func TestDecideChangeRole(t *testing.T) {
	t.Parallel()
	role := func(actor, id UserID, r Role) ChangeRole { return ChangeRole{Actor: by(actor), User: id, Role: r} }
	runSpecs(t, []spec{
		{name: "an_admin_promotes_a_member_to_manager", given: strictStaff(), when: role("adm", "mem", RoleManager),
			then: []Event{RoleChanged{User: "mem", From: RoleMember, To: RoleManager}}},
		{name: "an_owner_grants_owner", given: strictStaff(), when: role(ownerID, "adm", RoleOwner),
			then: []Event{RoleChanged{User: "adm", From: RoleAdmin, To: RoleOwner}}},
		{name: "setting_the_current_role_is_a_noop", given: strictStaff(), when: role("adm", "mem", RoleMember)},
		{name: "demoting_the_sole_owner_is_refused", given: strictStaff(), when: role(ownerID, ownerID, RoleAdmin),
			wantErr: CodeSoleOwner},
		{name: "demoting_one_of_two_owners_is_allowed", given: events(strictStaff(), staff("own2", RoleOwner)),
			when: role(ownerID, ownerID, RoleAdmin), then: []Event{RoleChanged{User: ownerID, From: RoleOwner, To: RoleAdmin}}},
		{name: "only_an_owner_grants_owner_whatever_the_policy",
			given: events(tenant(PresetStrict, 10, PolicyPatch{ForbidHigherRoleTarget: ptr(false)}), staff("adm", RoleAdmin),
				staff("mem", RoleMember)),
			when: role("adm", "mem", RoleOwner), wantErr: CodeHigherRole},
		{name: "an_admin_may_not_demote_an_owner", given: events(strictStaff(), staff("own2", RoleOwner)),
			when: role("adm", "own2", RoleMember), wantErr: CodeHigherRole},
		{name: "an_unknown_role_is_invalid", given: strictStaff(), when: role("adm", "mem", "boss"), wantErr: CodeInvalid},
		{name: "a_customer_cannot_be_promoted", given: events(strictStaff(), customer("cus")),
			when: role("adm", "cus", RoleManager), wantErr: CodeInvalid},
		{name: "a_manager_may_not_change_roles_under_strict", given: strictStaff(),
			when: role("mgr", "mem", RoleManager), wantErr: CodeForbidden},
	})
}

func TestDecideSetPassword(t *testing.T) {
	t.Parallel()
	laptop := &SessionRef{Ref: "laptop", IssuedAt: t0.Add(-time.Hour)}
	set := func(actor, id UserID) SetPassword {
		return SetPassword{Actor: by(actor), User: id, PasswordHash: "h$1", At: t0}
	}
	own := func(id UserID, session *SessionRef) SetPassword {
		c := set(id, id)
		c.CurrentConfirmed, c.Session = true, session
		return c
	}
	changed := func(id UserID, kept string) []Event {
		return []Event{PasswordSet{User: id, PII: PersonalData{PasswordHash: "h$1"}},
			SessionsRevoked{User: id, RevokedBefore: t0, Reason: ReasonPasswordChanged, Kept: kept}}
	}
	revokedAt := func(id UserID, at time.Time, kept string) []Event {
		return []Event{SessionsRevoked{User: id, RevokedBefore: at, Kept: kept}}
	}
	runSpecs(t, []spec{
		{name: "a_manager_of_users_sets_another_password_and_ends_all_their_sessions", given: strictStaff(),
			when: set("adm", "mem"), then: changed("mem", "")},
		{name: "a_user_sets_their_own_password_and_keeps_the_session_they_did_it_with", given: strictStaff(),
			when: own("mem", laptop), then: changed("mem", "laptop")},
		{name: "a_user_without_a_session_to_keep_ends_them_all", given: strictStaff(), when: own("mem", nil), then: changed("mem", "")},
		{name: "a_session_revoked_meanwhile_is_not_revived", given: events(strictStaff(), revokedAt("mem", t0.Add(-time.Minute), "")),
			when: own("mem", laptop), then: changed("mem", "")},
		{name: "the_session_an_earlier_change_kept_is_kept_again", given: events(strictStaff(), revokedAt("mem", t0.Add(-time.Minute), "laptop")),
			when: own("mem", laptop), then: changed("mem", "laptop")},
		{name: "changing_ones_own_password_needs_the_current_one", given: strictStaff(), when: set("mem", "mem"),
			wantErr: CodeInvalid, wantField: "current_password"},
		{name: "a_manager_changing_their_own_password_needs_it_too", given: strictStaff(), when: set("adm", "adm"),
			wantErr: CodeInvalid, wantField: "current_password"},
		{name: "the_operator_needs_no_current_password", given: strictStaff(),
			when: SetPassword{Actor: op, User: "mem", PasswordHash: "h$1", At: t0}, then: changed("mem", "")},
		{name: "a_member_may_not_set_another_password", given: strictStaff(), when: set("mem", "mgr"), wantErr: CodeForbidden},
		{name: "an_admin_may_not_set_an_owner_password", given: strictStaff(), when: set("adm", ownerID), wantErr: CodeHigherRole},
		{name: "an_empty_password_is_invalid", given: strictStaff(),
			when: SetPassword{Actor: by("mem"), User: "mem", At: t0, CurrentConfirmed: true}, wantErr: CodeInvalid},
		{name: "a_password_change_needs_its_instant", given: strictStaff(),
			when: SetPassword{Actor: by("adm"), User: "mem", PasswordHash: "h$1"}, wantErr: CodeInvalid},
		{name: "a_deleted_user_gets_no_password", given: events(strictStaff(), deleted("mgr")), when: set("adm", "mgr"),
			wantErr: CodeUserDeleted},
	})
}

// A revocation that keeps a session spares that one session until a later
// revocation; an older revocation, replayed after a newer one, neither
// revives a session nor takes the kept one's place.
func TestSessionsRevokedKeepsOnlyTheSessionItNames(t *testing.T) {
	t.Parallel()
	before, after := t0.Add(-time.Minute), t0.Add(time.Minute)
	alive := func(given []Event, ref string, issued time.Time) bool {
		u, _ := replay(given).User("mem")
		return u.SessionAlive(ref, issued)
	}
	kept := events(strictStaff(), []Event{SessionsRevoked{User: "mem", RevokedBefore: t0, Kept: "laptop"}})
	for _, c := range []struct {
		name  string
		given []Event
		ref   string
		at    time.Time
		want  bool
	}{
		{"the_kept_session_survives", kept, "laptop", before, true},
		{"another_session_from_before_dies", kept, "phone", before, false},
		{"a_session_from_after_lives", kept, "phone", after, true},
		{"a_later_revocation_ends_the_kept_session", events(kept, []Event{SessionsRevoked{User: "mem", RevokedBefore: after}}), "laptop", before, false},
		{"an_older_revocation_keeps_nothing_new", events(kept, []Event{SessionsRevoked{User: "mem", RevokedBefore: before, Kept: "phone"}}), "phone", before, false},
		{"an_older_revocation_leaves_the_kept_session", events(kept, []Event{SessionsRevoked{User: "mem", RevokedBefore: before}}), "laptop", before, true},
		{"an_empty_reference_is_never_the_kept_one", events(strictStaff(), []Event{SessionsRevoked{User: "mem", RevokedBefore: t0}}), "", before, false},
	} {
		if got := alive(c.given, c.ref, c.at); got != c.want {
			t.Errorf("%s: alive = %v, want %v", c.name, got, c.want)
		}
	}
	s := replay(kept)
	data, err := s.MarshalSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := UnmarshalSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := restored.User("mem"); !u.SessionAlive("laptop", before) {
		t.Fatal("a snapshot forgot the kept session")
	}
}

func TestDecideDeleteUser(t *testing.T) {
	t.Parallel()
	del := func(id UserID) DeleteUser { return DeleteUser{Actor: by("adm"), User: id, Reason: "gdpr request"} }
	withWork := func(preset string) []Event {
		return events(tenant(preset, 10), staff("adm", RoleAdmin), staff("mem", RoleMember), teamWith("a", "mem"),
			teamWith("b", "", "mem"), work("j2", "mem"), work("j1", "mem"))
	}
	runSpecs(t, []spec{
		{name: "deleting_removes_memberships_and_keeps_work_under_strict", given: withWork(PresetStrict), when: del("mem"),
			then: []Event{TeamLeaderAssigned{Team: "a", Leader: "", Previous: "mem"}, TeamLeft{Team: "a", User: "mem"},
				TeamLeft{Team: "b", User: "mem"}, UserDeleted{User: "mem", Reason: "gdpr request"}}},
		{name: "deleting_unassigns_work_under_work_management", given: withWork(PresetWorkManagement), when: del("mem"),
			then: []Event{OwnershipTransferred{From: "mem", To: "", Items: []WorkItemID{"j1", "j2"}, Reason: ReasonDeleted},
				TeamLeaderAssigned{Team: "a", Leader: "", Previous: "mem"}, TeamLeft{Team: "a", User: "mem"},
				TeamLeft{Team: "b", User: "mem"}, UserDeleted{User: "mem", Reason: "gdpr request"}}},
		{name: "deleting_is_refused_when_the_policy_disables_it", given: withWork(PresetAnalytics), when: del("mem"),
			wantErr: CodeDeletionDisabled},
		{name: "deleting_a_deleted_user_is_a_noop", given: events(strictStaff(), deleted("mem")), when: del("mem")},
		{name: "deleting_a_deleted_user_at_a_stale_version_is_a_mismatch", given: events(strictStaff(), deleted("mem")),
			when: DeleteUser{Actor: by("adm"), User: "mem", IfVersion: ptr(int64(1))}, wantErr: CodeVersionMismatch},
		{name: "deleting_a_deleted_user_still_takes_a_manager", given: events(strictStaff(), deleted("mgr")),
			when: DeleteUser{Actor: by("mem"), User: "mgr"}, wantErr: CodeForbidden},
		{name: "deleting_a_deleted_user_is_a_noop_even_where_deletion_is_now_disabled",
			given: events(strictStaff(), deleted("mem"), []Event{TenantPolicyChanged{Preset: PresetAnalytics, Policy: mustPreset(PresetAnalytics)}}),
			when:  del("mem")},
		{name: "deleting_the_sole_owner_is_refused", given: strictStaff(),
			when: DeleteUser{Actor: op, User: ownerID}, wantErr: CodeSoleOwner},
		{name: "an_admin_may_not_delete_an_owner", given: events(strictStaff(), staff("own2", RoleOwner)),
			when: del("own2"), wantErr: CodeHigherRole},
		{name: "deleting_an_unknown_user_is_not_found", given: strictStaff(), when: del("ghost"), wantErr: CodeNotFound},
		{name: "a_member_may_not_delete", given: strictStaff(), when: DeleteUser{Actor: by("mem"), User: "mgr"},
			wantErr: CodeForbidden},
	})
}
