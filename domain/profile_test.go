package domain

import "testing"

func TestDecideChangeProfile(t *testing.T) {
	t.Parallel()
	profile := func(actor Actor, id UserID, email, ext string) ChangeProfile {
		pii := PersonalData{Email: email, Name: "New Name", ExternalID: ext, GivenName: "New", FamilyName: "Name"}
		idx := ""
		if ext != "" {
			idx = "bi-" + ext
		}
		return ChangeProfile{Actor: actor, User: id, PII: pii, EmailIndex: "bi-" + email, ExternalIDIndex: idx}
	}
	changed := func(c ChangeProfile) []Event {
		return []Event{ProfileChanged{User: c.User, PII: c.PII, EmailIndex: c.EmailIndex, ExternalIDIndex: c.ExternalIDIndex}}
	}
	withHash := profile(by("adm"), "mem", "mem2@acme.test", "")
	withHash.PII.PasswordHash = "h$never-here"
	linked := []Event{ProfileChanged{User: "mgr", PII: PersonalData{Email: "mgr@acme.test", Name: "M", ExternalID: "00u9"},
		EmailIndex: "bi-mgr@acme.test", ExternalIDIndex: "bi-00u9"}}
	blockedEmail := []Event{CustomerEmailBlocked{User: "old", EmailIndex: "bi-gone@acme.test"}}
	ownBlocked := events(deactivated("cus"), []Event{CustomerEmailBlocked{User: "cus", EmailIndex: emailIdx("cus")}})
	keepEmail := ChangeProfile{Actor: by("adm"), User: "cus", PII: PersonalData{Email: personal("cus").Email, Name: "Renamed"}, EmailIndex: emailIdx("cus")}
	runSpecs(t, []spec{
		{name: "a_manager_of_users_changes_a_profile", given: strictStaff(),
			when: profile(by("adm"), "mem", "mem2@acme.test", "00u1"), then: changed(profile(by("adm"), "mem", "mem2@acme.test", "00u1"))},
		{name: "a_user_changes_their_own_profile", given: strictStaff(),
			when: profile(by("mem"), "mem", "mem2@acme.test", ""), then: changed(profile(by("mem"), "mem", "mem2@acme.test", ""))},
		{name: "a_password_hash_never_travels_in_a_profile", given: strictStaff(),
			when: withHash, then: changed(profile(by("adm"), "mem", "mem2@acme.test", ""))},
		{name: "a_member_may_not_change_another_profile", given: strictStaff(),
			when: profile(by("mem"), "mgr", "x@acme.test", ""), wantErr: CodeForbidden},
		{name: "an_admin_may_not_change_an_owner_profile", given: strictStaff(),
			when: profile(by("adm"), ownerID, "x@acme.test", ""), wantErr: CodeHigherRole},
		{name: "another_user_e_mail_is_taken", given: strictStaff(),
			when: ChangeProfile{Actor: op, User: "mem", PII: PersonalData{Email: "m@acme.test", Name: "M"}, EmailIndex: emailIdx("mgr")}, wantErr: CodeEmailTaken},
		{name: "another_user_external_id_is_taken", given: events(strictStaff(), linked),
			when: profile(by("adm"), "mem", "mem@acme.test", "00u9"), wantErr: CodeInvalidTransition},
		{name: "a_deleted_user_has_no_profile_to_change", given: events(strictStaff(), deleted("mem")),
			when: profile(by("adm"), "mem", "mem@acme.test", ""), wantErr: CodeUserDeleted},
		{name: "a_customer_may_not_take_a_blocklisted_e_mail", given: events(strictStaff(), customer("cus"), blockedEmail),
			when: profile(by("adm"), "cus", "gone@acme.test", ""), wantErr: CodeEmailBlocked},
		{name: "a_blocklisted_customer_keeps_their_own_e_mail", given: events(strictStaff(), customer("cus"), ownBlocked),
			when: keepEmail, then: changed(keepEmail)},
		{name: "a_staff_member_is_not_bound_by_the_customer_blocklist", given: events(strictStaff(), blockedEmail),
			when: profile(by("adm"), "mem", "gone@acme.test", ""), then: changed(profile(by("adm"), "mem", "gone@acme.test", ""))},
		{name: "an_external_id_without_its_index_is_invalid", given: strictStaff(),
			when:    ChangeProfile{Actor: op, User: "mem", PII: PersonalData{Email: "m@acme.test", Name: "M", ExternalID: "00u1"}, EmailIndex: "bi-m"},
			wantErr: CodeInvalid, wantField: "external_id"},
	})
}

func TestAnInvitationsExternalIDIsUnique(t *testing.T) {
	t.Parallel()
	invite := func(id UserID, ext string) InviteUser {
		pii := personal(id)
		pii.ExternalID = ext
		return InviteUser{Actor: op, User: id, PII: pii, EmailIndex: emailIdx(id), Role: RoleMember, Kind: KindMember, ExternalIDIndex: "bi-" + ext}
	}
	first := invite("ann", "00u1")
	given := events(strictStaff(), []Event{UserInvited{User: "ann", PII: first.PII, EmailIndex: first.EmailIndex, Role: RoleMember, Kind: KindMember, ExternalIDIndex: "bi-00u1"}})
	second := invite("bob", "00u2")
	runSpecs(t, []spec{
		{name: "the_same_invitation_again_is_a_no_op", given: given, when: first},
		{name: "another_user_with_that_external_id_is_refused", given: given, when: invite("bob", "00u1"), wantErr: CodeInvalidTransition},
		{name: "a_deleted_user_frees_their_external_id", given: events(given, deleted("ann")), when: invite("bob", "00u1"),
			then: []Event{UserInvited{User: "bob", PII: invite("bob", "00u1").PII, EmailIndex: emailIdx("bob"), Role: RoleMember, Kind: KindMember, ExternalIDIndex: "bi-00u1"}}},
		{name: "a_new_external_id_is_recorded", given: given, when: second,
			then: []Event{UserInvited{User: "bob", PII: second.PII, EmailIndex: emailIdx("bob"), Role: RoleMember, Kind: KindMember, ExternalIDIndex: "bi-00u2"}}},
	})
}

func TestAProfileChangeMovesTheIndexes(t *testing.T) {
	t.Parallel()
	s := replay(events(strictStaff(), []Event{ProfileChanged{User: "mem", PII: PersonalData{Email: "new@acme.test", Name: "N", ExternalID: "00u1"},
		EmailIndex: "bi-new", ExternalIDIndex: "bi-00u1"}}))
	if _, ok := s.UserByEmailIndex(emailIdx("mem")); ok {
		t.Fatal("the old e-mail still finds the user")
	}
	if u, ok := s.UserByEmailIndex("bi-new"); !ok || u.ID != "mem" {
		t.Fatalf("the new e-mail finds %+v, %v", u, ok)
	}
	u, ok := s.UserByExternalIDIndex("bi-00u1")
	if !ok || u.ID != "mem" || u.ProfileAt != s.Version() || u.CreatedAt == u.ProfileAt {
		t.Fatalf("the external id finds %+v, %v", u, ok)
	}
	s = Evolve(s, UserDeleted{User: "mem"})
	if _, ok := s.UserByExternalIDIndex("bi-00u1"); ok {
		t.Fatal("a deleted user is still found by external id")
	}
	checkCounters(t, s)
}

// The refusal of a taken external id names the field, so that SCIM can
// answer it as a uniqueness conflict.
func TestATakenExternalIDIsNamed(t *testing.T) {
	t.Parallel()
	s := replay(events(strictStaff(), []Event{ProfileChanged{User: "mgr", PII: PersonalData{Email: "mgr@acme.test", Name: "M", ExternalID: "00u9"},
		EmailIndex: emailIdx("mgr"), ExternalIDIndex: "bi-00u9"}}))
	_, err := Decide(s, ChangeProfile{Actor: op, User: "mem", PII: PersonalData{Email: "mem@acme.test", Name: "M", ExternalID: "00u9"},
		EmailIndex: emailIdx("mem"), ExternalIDIndex: "bi-00u9"})
	if e, ok := err.(*Error); !ok || e.Code != CodeInvalidTransition || e.Field != "external_id" {
		t.Fatalf("refusal %#v", err)
	}
}
