package domain

import "testing"

// okta is a SCIM connection created by the owner, mapping a group to admin.
func okta(grantsOwner bool) []Event {
	roles := map[string]Role{"Admins": RoleAdmin}
	if grantsOwner {
		roles["Owners"] = RoleOwner
	}
	return []Event{ScimConnectionCreated{Connection: "okta", Name: "Okta", TokenDigest: "d-okta", GroupRoles: roles, GrantsOwner: grantsOwner}}
}

var viaOkta = ConnectionActor("okta", "Okta")

func TestDecideScimConnections(t *testing.T) {
	t.Parallel()
	create := func(actor Actor, id ConnectionID, name string, roles map[string]Role) CreateScimConnection {
		return CreateScimConnection{Actor: actor, Connection: id, Name: name, TokenDigest: "d-" + string(id), GroupRoles: roles}
	}
	revoked := []Event{ScimConnectionRevoked{Connection: "okta"}}
	runSpecs(t, []spec{
		{name: "an_owner_creates_a_connection", given: strictStaff(),
			when: create(by(ownerID), "okta", "Okta", map[string]Role{"Admins": RoleAdmin}),
			then: okta(false)},
		{name: "a_mapping_that_names_owner_lets_the_connection_grant_it", given: strictStaff(),
			when: create(by(ownerID), "okta", "Okta", map[string]Role{"Admins": RoleAdmin, "Owners": RoleOwner}),
			then: okta(true)},
		{name: "an_admin_may_not_create_a_connection", given: strictStaff(),
			when: create(by("adm"), "okta", "Okta", nil), wantErr: CodeForbidden},
		{name: "a_live_connection_keeps_its_name", given: events(strictStaff(), okta(false)),
			when: create(by(ownerID), "okta2", "Okta", nil), wantErr: CodeInvalidTransition},
		{name: "a_revoked_connection_frees_its_name", given: events(strictStaff(), okta(false), revoked),
			when: create(by(ownerID), "okta2", "Okta", nil),
			then: []Event{ScimConnectionCreated{Connection: "okta2", Name: "Okta", TokenDigest: "d-okta2"}}},
		{name: "a_mapping_to_no_role_is_invalid", given: strictStaff(),
			when: create(by(ownerID), "okta", "Okta", map[string]Role{"Admins": "emperor"}), wantErr: CodeInvalid, wantField: "group_roles.Admins"},
		{name: "a_connection_needs_a_name", given: strictStaff(),
			when: create(by(ownerID), "okta", " ", nil), wantErr: CodeInvalid, wantField: "name"},
		{name: "revoking_twice_is_a_no_op", given: events(strictStaff(), okta(false), revoked),
			when: RevokeScimConnection{Actor: by(ownerID), Connection: "okta"}},
		{name: "revoking_an_unknown_connection_finds_nothing", given: strictStaff(),
			when: RevokeScimConnection{Actor: by(ownerID), Connection: "okta"}, wantErr: CodeNotFound},
	})
}

// A connection acts with an owner's rank under every rule of the policy.
func TestAConnectionActsUnderThePolicy(t *testing.T) {
	t.Parallel()
	revoked := []Event{ScimConnectionRevoked{Connection: "okta"}}
	runSpecs(t, []spec{
		{name: "a_connection_deactivates_staff_of_any_rank", given: events(strictStaff(), okta(false)),
			when: DeactivateUser{Actor: viaOkta, User: "adm", At: t0},
			then: []Event{UserDeactivated{User: "adm"}, SessionsRevoked{User: "adm", RevokedBefore: t0, Reason: ReasonDeactivated}}},
		{name: "a_connection_never_deactivates_the_sole_owner", given: events(strictStaff(), okta(false)),
			when: DeactivateUser{Actor: viaOkta, User: ownerID, At: t0}, wantErr: CodeSoleOwner},
		{name: "a_revoked_connection_is_refused", given: events(strictStaff(), okta(false), revoked),
			when: DeactivateUser{Actor: viaOkta, User: "mem", At: t0}, wantErr: CodeUnauthenticated},
		{name: "an_unknown_connection_is_refused", given: strictStaff(),
			when: DeactivateUser{Actor: viaOkta, User: "mem", At: t0}, wantErr: CodeUnauthenticated},
		{name: "a_connection_grants_admin", given: events(strictStaff(), okta(false)),
			when: ChangeRole{Actor: viaOkta, User: "mem", Role: RoleAdmin},
			then: []Event{RoleChanged{User: "mem", From: RoleMember, To: RoleAdmin}}},
		{name: "a_connection_grants_owner_only_when_its_mapping_names_owner", given: events(strictStaff(), okta(false)),
			when: ChangeRole{Actor: viaOkta, User: "mem", Role: RoleOwner}, wantErr: CodeHigherRole},
		{name: "a_connection_whose_mapping_names_owner_grants_it", given: events(strictStaff(), okta(true)),
			when: ChangeRole{Actor: viaOkta, User: "mem", Role: RoleOwner},
			then: []Event{RoleChanged{User: "mem", From: RoleMember, To: RoleOwner}}},
		{name: "a_connection_may_not_change_the_tenant_settings", given: events(strictStaff(), okta(true)),
			when: ChangeSeats{Actor: viaOkta, Seats: 50}, wantErr: CodeForbidden},
		{name: "a_connection_may_not_create_connections", given: events(strictStaff(), okta(true)),
			when: CreateScimConnection{Actor: viaOkta, Connection: "x", Name: "X", TokenDigest: "d"}, wantErr: CodeForbidden},
	})
}

func TestConnectionByTokenFindsOnlyLiveConnections(t *testing.T) {
	t.Parallel()
	s := replay(events(strictStaff(), okta(true)))
	c, ok := s.ConnectionByToken("d-okta")
	if !ok || c.ID != "okta" || c.Name != "Okta" || !c.GrantsOwner || c.GroupRoles["Owners"] != RoleOwner {
		t.Fatalf("ConnectionByToken = %+v, %v", c, ok)
	}
	if _, ok := s.ConnectionByToken("d-other"); ok {
		t.Fatal("an unknown digest found a connection")
	}
	s = Evolve(s, ScimConnectionRevoked{Connection: "okta"})
	if _, ok := s.ConnectionByToken("d-okta"); ok {
		t.Fatal("a revoked connection's token still finds it")
	}
	if all := s.Connections(); len(all) != 1 || !all[0].Revoked {
		t.Fatalf("Connections = %+v", all)
	}
}
