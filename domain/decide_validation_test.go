package domain

import (
	"slices"
	"strings"
	"testing"
)

// storedText is one text field of one command: the history it is decided
// on, the command carrying a value in that field, and where the answered
// events hold the value.
type storedText struct {
	command, field string
	rule           Text
	required       bool
	given          []Event
	with           func(v string) Command
	stored         func(ev []Event) string
}

// firstOf returns the first event of type E in ev (the zero E if none).
func firstOf[E Event](ev []Event) E {
	for _, e := range ev {
		if got, ok := e.(E); ok {
			return got
		}
	}
	var zero E
	return zero
}

// storedTexts are every text the decider stores from a command.
func storedTexts() []storedText {
	withTeam := events(strictStaff(), teamWith("red", ""), work("job-1", "mem"))
	create := func(name, owner string) Command {
		return CreateTenant{Actor: op, Tenant: "acme", Name: name, Seats: 10,
			Owner: OwnerAccount{User: ownerID, PII: PersonalData{Email: "own@example.test", Name: owner}, EmailIndex: "bi-own"}}
	}
	invite := func(name string) Command {
		return InviteUser{Actor: op, User: "new", PII: PersonalData{Email: "new@example.test", Name: name}, EmailIndex: "bi-new", Role: RoleMember}
	}
	return []storedText{
		{"create_tenant", "name", NameText, true, nil, func(v string) Command { return create(v, "Owner") },
			func(ev []Event) string { return firstOf[TenantCreated](ev).Name }},
		{"create_tenant", "owner.name", NameText, true, nil, func(v string) Command { return create("Acme", v) },
			func(ev []Event) string { return firstOf[UserInvited](ev).PII.Name }},
		{"invite_user", "name", NameText, true, strictStaff(), invite,
			func(ev []Event) string { return firstOf[UserInvited](ev).PII.Name }},
		{"define_team", "name", NameText, true, strictStaff(), func(v string) Command { return DefineTeam{Actor: op, Team: "blue", Name: v} },
			func(ev []Event) string { return firstOf[TeamDefined](ev).Name }},
		{"assign_work", "kind", WorkKindText, true, withTeam, func(v string) Command {
			return AssignWork{Actor: op, Item: "job-2", Kind: v}
		}, func(ev []Event) string { return firstOf[WorkAssigned](ev).Kind }},
		{"revoke_sessions", "reason", ReasonText, false, strictStaff(), func(v string) Command {
			return RevokeSessions{Actor: op, User: "mem", At: t0, Reason: v}
		}, func(ev []Event) string { return firstOf[SessionsRevoked](ev).Reason }},
		{"delete_user", "reason", ReasonText, false, strictStaff(), func(v string) Command { return DeleteUser{Actor: op, User: "mem", Reason: v} },
			func(ev []Event) string { return firstOf[UserDeleted](ev).Reason }},
		{"transfer_ownership", "reason", ReasonText, false, withTeam, func(v string) Command {
			return TransferOwnership{Actor: op, From: "mem", To: Unassigned, Reason: v}
		}, func(ev []Event) string { return firstOf[OwnershipTransferred](ev).Reason }},
	}
}

// Every text the decider stores follows its field's rule: hostile values
// are refused as invalid naming the field, before anything is stored, and
// accepted ones are stored exactly as sent.
func TestDecideStoresOnlyValidTextAndExactlyAsSent(t *testing.T) {
	t.Parallel()
	for _, f := range storedTexts() {
		cases := append(slices.Clone(textCases), textCase{"empty", fixed(""), !f.required, !f.required})
		// A name must show something: blanks and a zero-width space alone
		// name nothing a reader can see (other texts take them as sent).
		named := f.required && f.rule == NameText
		cases = append(cases, textCase{"blank", fixed("   "), !named, !named}, textCase{"zero_width_space_only", fixed("\u200b"), !named, !named})
		for _, c := range cases {
			t.Run(f.command+"/"+f.field+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				value := c.value(f.rule.Max)
				want := c.oneRow || (f.rule.Lines && c.lines)
				got, err := Decide(replay(f.given), f.with(value))
				switch {
				case !want && err == nil:
					t.Fatalf("%.40q was accepted: %v", value, got)
				case !want:
					checkRefusalOf(t, err, f.field, value)
				case err != nil:
					t.Fatalf("%.40q was refused: %v", value, err)
				case f.stored(got) != value:
					t.Fatalf("stored %.40q, sent %.40q", f.stored(got), value)
				}
			})
		}
	}
}

// fieldSpec is a command whose one field holds a value the decider must
// refuse as invalid, naming that field (a spec row, written short).
type fieldSpec struct {
	name, field string
	given       []Event
	when        Command
}

// Every id, e-mail, number and enumeration a command carries is checked
// before anything else, and refused as invalid naming its field.
func TestDecideRefusesMalformedFieldsNamingThem(t *testing.T) {
	t.Parallel()
	staffed := events(strictStaff(), teamWith("red", "mgr"), work("job-1", "mem"))
	long := strings.Repeat("a", 100_000)
	account := func(id UserID, email string) OwnerAccount {
		return OwnerAccount{User: id, PII: PersonalData{Email: email, Name: "Owner"}, EmailIndex: "bi-x"}
	}
	tenantWith := func(id TenantID, seats int, owner OwnerAccount) CreateTenant {
		return CreateTenant{Actor: op, Tenant: id, Name: "Acme", Seats: seats, Owner: owner}
	}
	good := account(ownerID, "own@example.test")
	invite := func(id UserID, email string, teams ...TeamID) InviteUser {
		return InviteUser{Actor: op, User: id, PII: PersonalData{Email: email, Name: "N"}, EmailIndex: "bi-n", Role: RoleMember, Teams: teams}
	}
	specs := []fieldSpec{
		{"a_tenant_id_with_a_nul", "id", nil, tenantWith("ac\x00me", 5, good)},
		{"negative_seats_at_creation", "seats", nil, tenantWith("acme", -1, good)},
		{"seats_beyond_a_million_at_creation", "seats", nil, tenantWith("acme", MaxSeats+1, good)},
		{"seats_beyond_an_integer_column", "seats", nil, tenantWith("acme", 2147483648, good)},
		{"an_owner_id_of_100_kB", "owner.id", nil, tenantWith("acme", 5, account(UserID(long), "own@example.test"))},
		{"an_owner_e_mail_with_a_nul", "owner.email", nil, tenantWith("acme", 5, account(ownerID, "own\x00@example.test"))},
		{"an_owner_e_mail_not_lower_cased", "owner.email", nil, tenantWith("acme", 5, account(ownerID, "Own@example.test"))},
		{"an_unknown_preset", "preset", nil, CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Preset: long, Seats: 5, Owner: good}},
		{"an_unknown_seat_limit_in_the_policy", "policy.seat_limit", nil, CreateTenant{Actor: op, Tenant: "acme", Name: "Acme",
			Seats: 5, Owner: good, Patch: &PolicyPatch{SeatLimit: ptr(SeatLimit("\x00"))}}},
		{"negative_seats", "seats", strictStaff(), ChangeSeats{Actor: op, Seats: -1}},
		{"seats_beyond_a_million", "seats", strictStaff(), ChangeSeats{Actor: op, Seats: MaxSeats + 1}},
		{"seats_of_2_to_the_31", "seats", strictStaff(), ChangeSeats{Actor: op, Seats: 1 << 31}},
		{"an_unknown_handoff_in_a_policy_change", "handoff_on_deactivate", strictStaff(),
			ChangePolicy{Actor: op, Patch: PolicyPatch{HandoffOnDeactivate: ptr(Handoff(long))}}},
		{"an_invited_user_id_with_a_control", "id", strictStaff(), invite("n\x1bw", "n@example.test")},
		{"an_invited_e_mail_of_255_bytes", "email", strictStaff(), invite("new", strings.Repeat("a", 64)+"@"+strings.Repeat("b", 190))},
		{"an_invited_e_mail_not_trimmed", "email", strictStaff(), invite("new", " n@example.test")},
		{"a_malformed_team_to_join_on_invitation", "teams", strictStaff(), invite("new", "n@example.test", "red", "bad team")},
		{"an_unknown_role", "role", strictStaff(), InviteUser{Actor: op, User: "new", PII: personal("new"), EmailIndex: "bi", Role: Role(long)}},
		{"an_unknown_kind", "kind", strictStaff(), InviteUser{Actor: op, User: "new", PII: personal("new"), EmailIndex: "bi", Role: RoleMember, Kind: "\x00"}},
		{"a_target_user_id_with_a_nul", "user", strictStaff(), BlockUser{Actor: op, User: "m\x00m", At: t0}},
		{"a_target_user_id_of_100_kB", "user", strictStaff(), DeleteUser{Actor: op, User: UserID(long)}},
		{"an_unknown_role_to_change_to", "role", strictStaff(), ChangeRole{Actor: op, User: "mem", Role: "\xff"}},
		{"a_handoff_to_a_malformed_user", "handoff_to", staffed, DeactivateUser{Actor: op, User: "mem", At: t0, HandoffTo: ptr(UserID("A\x00"))}},
		{"a_team_id_with_invalid_utf8", "team", strictStaff(), DefineTeam{Actor: op, Team: "r\xffd", Name: "Red"}},
		{"a_team_id_of_100_kB_to_join", "team", staffed, JoinTeam{Actor: op, Team: TeamID(long), User: "mem"}},
		{"a_member_id_with_a_nul", "user", staffed, LeaveTeam{Actor: op, Team: "red", User: "m\x00"}},
		{"a_malformed_leader_on_definition", "leader", staffed, DefineTeam{Actor: op, Team: "red", Name: "Red", Leader: ptr(UserID("Boss!"))}},
		{"a_malformed_leader_to_assign", "user", staffed, AssignTeamLeader{Actor: op, Team: "red", User: ptr(UserID(long))}},
		{"a_work_item_id_with_a_nul", "item", staffed, AssignWork{Actor: op, Item: "job\x00", Kind: "job"}},
		{"a_malformed_assignee", "assignee", staffed, AssignWork{Actor: op, Item: "job-1", Assignee: ptr(UserID("\u0085"))}},
		{"a_transfer_from_a_malformed_user", "from", staffed, TransferOwnership{Actor: op, From: "m\xff", To: Unassigned}},
		{"a_transfer_to_a_malformed_user", "to", staffed, TransferOwnership{Actor: op, From: "mem", To: UserID(long)}},
		{"a_transfer_of_a_malformed_item", "items", staffed, TransferOwnership{Actor: op, From: "mem", To: Unassigned, Items: []WorkItemID{"job-1", "\x00"}}},
	}
	refusals := make([]spec, len(specs))
	for i, c := range specs {
		refusals[i] = spec{name: c.name, given: c.given, when: c.when, wantErr: CodeInvalid, wantField: c.field}
	}
	runSpecs(t, refusals)
}

// Seats are 0 to MaxSeats inclusive, at creation and later.
func TestDecideAcceptsSeatsFromZeroToAMillion(t *testing.T) {
	t.Parallel()
	ignore := PolicyPatch{SeatLimit: ptr(SeatLimitIgnore)}
	owner := OwnerAccount{User: ownerID, PII: personal(ownerID), EmailIndex: emailIdx(ownerID)}
	runSpecs(t, []spec{
		{name: "a_tenant_with_no_seats_when_seats_are_not_enforced",
			when: CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Seats: 0, Patch: &ignore, Owner: owner},
			then: []Event{TenantCreated{Tenant: "acme", Name: "Acme", Preset: PresetStrict, Policy: mustPreset(PresetStrict, ignore)},
				SeatsChanged{Seats: 0}, UserInvited{User: ownerID, PII: personal(ownerID), EmailIndex: emailIdx(ownerID), Role: RoleOwner, Kind: KindMember},
				UserActivated{User: ownerID}}},
		{name: "a_million_seats", given: strictStaff(), when: ChangeSeats{Actor: op, Seats: MaxSeats},
			then: []Event{SeatsChanged{Seats: MaxSeats, Previous: 10}}},
		{name: "down_to_no_seats_when_seats_are_not_enforced", given: tenant(PresetStrict, 10, ignore), when: ChangeSeats{Actor: op, Seats: 0},
			then: []Event{SeatsChanged{Seats: 0, Previous: 10}}},
	})
}
