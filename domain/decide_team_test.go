package domain

import "testing"

func TestDecideDefineTeam(t *testing.T) {
	t.Parallel()
	define := func(id TeamID, name string, leader *UserID) DefineTeam {
		return DefineTeam{Actor: by("adm"), Team: id, Name: name, Leader: leader}
	}
	red := events(strictStaff(), teamWith("red", "mgr"))
	runSpecs(t, []spec{
		{name: "defining_a_new_team", given: strictStaff(), when: define("red", "Red", nil),
			then: []Event{TeamDefined{Team: "red", Name: "Red"}}},
		{name: "defining_a_team_with_a_leader_makes_them_a_member_first", given: strictStaff(),
			when: define("red", "Red", ptr(UserID("mgr"))),
			then: []Event{TeamDefined{Team: "red", Name: "Red"}, TeamJoined{Team: "red", User: "mgr"},
				TeamLeaderAssigned{Team: "red", Leader: "mgr"}}},
		{name: "renaming_a_team_keeps_its_leader", given: red, when: define("red", "Crimson", nil),
			then: []Event{TeamDefined{Team: "red", Name: "Crimson"}}},
		{name: "replacing_the_leader_by_a_member", given: events(red, []Event{TeamJoined{Team: "red", User: "mem"}}),
			when: define("red", "Team red", ptr(UserID("mem"))),
			then: []Event{TeamLeaderAssigned{Team: "red", Leader: "mem", Previous: "mgr"}}},
		{name: "defining_a_team_as_it_is_is_a_noop", given: red, when: define("red", "Team red", ptr(UserID("mgr")))},
		{name: "an_unknown_leader_is_not_found", given: strictStaff(), when: define("red", "Red", ptr(UserID("ghost"))),
			wantErr: CodeNotFound},
		{name: "a_deleted_leader_is_refused", given: events(strictStaff(), deleted("mem")),
			when: define("red", "Red", ptr(UserID("mem"))), wantErr: CodeUserDeleted},
		{name: "a_team_needs_a_name", given: strictStaff(), when: define("red", "", nil), wantErr: CodeInvalid},
		{name: "a_team_id_with_a_slash_is_invalid", given: strictStaff(), when: define("red/blue", "Red", nil), wantErr: CodeInvalid},
		{name: "a_member_may_not_define_teams", given: strictStaff(),
			when: DefineTeam{Actor: by("mem"), Team: "red", Name: "Red"}, wantErr: CodeForbidden},
	})
}

func TestDecideJoinAndLeaveTeam(t *testing.T) {
	t.Parallel()
	red := events(strictStaff(), teamWith("red", "mgr", "mem"))
	runSpecs(t, []spec{
		{name: "joining_a_team", given: red, when: JoinTeam{Actor: by("adm"), Team: "red", User: "adm"},
			then: []Event{TeamJoined{Team: "red", User: "adm"}}},
		{name: "joining_a_team_twice_is_a_noop", given: red, when: JoinTeam{Actor: by("adm"), Team: "red", User: "mem"}},
		{name: "joining_an_unknown_team_is_not_found", given: red, when: JoinTeam{Actor: by("adm"), Team: "blue", User: "mem"},
			wantErr: CodeNotFound},
		{name: "a_deleted_user_joins_nothing", given: events(red, deleted("adm")),
			when: JoinTeam{Actor: op, Team: "red", User: "adm"}, wantErr: CodeUserDeleted},
		{name: "leaving_a_team", given: red, when: LeaveTeam{Actor: by("adm"), Team: "red", User: "mem"},
			then: []Event{TeamLeft{Team: "red", User: "mem"}}},
		{name: "a_leader_leaving_gives_up_the_lead_first", given: red, when: LeaveTeam{Actor: by("adm"), Team: "red", User: "mgr"},
			then: []Event{TeamLeaderAssigned{Team: "red", Leader: "", Previous: "mgr"}, TeamLeft{Team: "red", User: "mgr"}}},
		{name: "leaving_a_team_one_is_not_in_is_a_noop", given: red, when: LeaveTeam{Actor: by("adm"), Team: "red", User: "adm"}},
		{name: "leaving_an_unknown_team_is_not_found", given: red, when: LeaveTeam{Actor: by("adm"), Team: "blue", User: "mem"},
			wantErr: CodeNotFound},
		{name: "a_member_may_not_change_teams", given: red, when: LeaveTeam{Actor: by("mem"), Team: "red", User: "mem"},
			wantErr: CodeForbidden},
	})
}

func TestDecideAssignTeamLeader(t *testing.T) {
	t.Parallel()
	red := events(strictStaff(), teamWith("red", "mgr"))
	lead := func(id *UserID) AssignTeamLeader { return AssignTeamLeader{Actor: by("adm"), Team: "red", User: id} }
	runSpecs(t, []spec{
		{name: "a_new_leader_joins_then_leads", given: red, when: lead(ptr(UserID("mem"))),
			then: []Event{TeamJoined{Team: "red", User: "mem"}, TeamLeaderAssigned{Team: "red", Leader: "mem", Previous: "mgr"}}},
		{name: "removing_the_leader_keeps_them_a_member", given: red, when: lead(nil),
			then: []Event{TeamLeaderAssigned{Team: "red", Leader: "", Previous: "mgr"}}},
		{name: "assigning_the_current_leader_is_a_noop", given: red, when: lead(ptr(UserID("mgr")))},
		{name: "a_leader_for_an_unknown_team_is_not_found", given: red,
			when: AssignTeamLeader{Actor: by("adm"), Team: "blue", User: ptr(UserID("mem"))}, wantErr: CodeNotFound},
		{name: "an_unknown_leader_is_not_found", given: red, when: lead(ptr(UserID("ghost"))), wantErr: CodeNotFound},
	})
}

func TestDecideDeleteTeam(t *testing.T) {
	t.Parallel()
	given := events(strictStaff(), teamWith("red", "mgr", "mem"))
	deletedRed := []Event{TeamLeft{Team: "red", User: "mem"}, TeamLeaderAssigned{Team: "red", Leader: "", Previous: "mgr"},
		TeamLeft{Team: "red", User: "mgr"}, TeamDeleted{Team: "red"}}
	runSpecs(t, []spec{
		{name: "members_leave_the_leader_loses_the_lead_and_the_team_goes", given: given,
			when: DeleteTeam{Actor: by("adm"), Team: "red"},
			then: deletedRed},
		{name: "a_member_may_not_delete_a_team", given: given, when: DeleteTeam{Actor: by("mem"), Team: "red"}, wantErr: CodeForbidden},
		{name: "a_team_that_does_not_exist_is_not_found", given: strictStaff(), when: DeleteTeam{Actor: op, Team: "red"}, wantErr: CodeNotFound},
		{name: "a_deleted_team_is_gone", given: events(given, deletedRed),
			when: JoinTeam{Actor: op, Team: "red", User: "mem"}, wantErr: CodeNotFound},
	})
}
