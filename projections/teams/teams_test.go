package teams_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/teams"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

func event(data domain.Event) projections.Event {
	return projections.Event{Tenant: "acme", Data: data}
}

func TestTheReducerIsPureAndIgnoresWhatIsNotAboutTeams(t *testing.T) {
	t.Parallel()
	p := teams.New()
	for _, c := range []struct {
		event  domain.Event
		prefix string
		arg    any
	}{
		{domain.TeamDefined{Team: "red", Name: "Red"}, "INSERT INTO teams_v1", "Red"},
		{domain.TeamJoined{Team: "red", User: "ann"}, "UPDATE teams_v1 SET members = CASE WHEN $4 = ANY(members)", "ann"},
		{domain.TeamLeft{Team: "red", User: "ann"}, "UPDATE teams_v1 SET members = array_remove(members, $4)", "ann"},
		{domain.TeamLeaderAssigned{Team: "red", Leader: "", Previous: "ann"}, "UPDATE teams_v1 SET leader = NULLIF($4, '')", ""},
		{domain.UserDeleted{User: "ann"}, "UPDATE teams_v1", "ann"},
	} {
		got := p.Reduce(event(c.event))
		if len(got) != 1 || !strings.HasPrefix(strings.TrimSpace(got[0].SQL), c.prefix) || !slices.Contains(got[0].Args, c.arg) ||
			got[0].Args[0] != "acme" {
			t.Errorf("%s → %+v, want one statement starting %q with %q", c.event.EventType(), got, c.prefix, c.arg)
		}
	}
	for _, ignored := range []domain.Event{domain.TenantCreated{}, domain.UserInvited{User: "ann"}, domain.UserDeactivated{User: "ann"},
		domain.WorkAssigned{Item: "j"}, domain.OwnershipTransferred{From: "ann"}} {
		if got := p.Reduce(event(ignored)); len(got) != 0 {
			t.Errorf("%s → %d statements, want none", ignored.EventType(), len(got))
		}
	}
}

// history defines, renames and staffs three teams, changes their leaders,
// has members leave, deactivates a member (under commerce: handoff to the
// team leader, teams left) and deletes one where the policy allows, and
// returns the write model the events lead to.
func history(w *projectiontest.World, preset string) (*domain.Tenant, eventstore.Position) {
	state := &domain.Tenant{}
	op := domain.OperatorActor()
	var last eventstore.Position
	do := func(cmd domain.Command) {
		events, err := domain.Decide(state, cmd)
		if err != nil {
			w.T.Fatalf("%T %+v: %v", cmd, cmd, err)
		}
		for _, e := range events {
			domain.Evolve(state, e)
		}
		if len(events) > 0 {
			last = w.Append("acme", events...)
		}
	}
	do(domain.CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Preset: preset, Seats: 100,
		Owner: domain.OwnerAccount{User: "owner", PII: domain.PersonalData{Email: "owner@acme.test", Name: "Owner"}, EmailIndex: "owner"}})
	for _, id := range []domain.UserID{"ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"} {
		do(domain.InviteUser{Actor: op, User: id, PII: domain.PersonalData{Email: string(id) + "@acme.test", Name: string(id)},
			EmailIndex: string(id), Role: domain.RoleMember, Kind: domain.KindMember, Activate: true})
	}
	do(domain.DefineTeam{Actor: op, Team: "red", Name: "Red"})
	do(domain.DefineTeam{Actor: op, Team: "blue", Name: "Blue", Leader: ptr(domain.UserID("bob"))})
	do(domain.DefineTeam{Actor: op, Team: "green", Name: "Green"})
	do(domain.DefineTeam{Actor: op, Team: "blue", Name: "Blue Team"})
	for _, j := range []struct{ team, user domain.UserID }{{"red", "ann"}, {"red", "cat"}, {"red", "dan"}, {"red", "hal"},
		{"blue", "eve"}, {"blue", "cat"}, {"blue", "gus"}, {"blue", "hal"}, {"green", "fay"}, {"green", "hal"}, {"red", "ann"}} {
		do(domain.JoinTeam{Actor: op, Team: domain.TeamID(j.team), User: j.user})
	}
	do(domain.LeaveTeam{Actor: op, Team: "red", User: "dan"})
	do(domain.AssignTeamLeader{Actor: op, Team: "red", User: ptr(domain.UserID("cat"))})
	do(domain.LeaveTeam{Actor: op, Team: "red", User: "cat"}) // the lead goes too
	do(domain.AssignTeamLeader{Actor: op, Team: "red", User: ptr(domain.UserID("ann"))})
	do(domain.AssignTeamLeader{Actor: op, Team: "green", User: ptr(domain.UserID("dan"))}) // joins first
	do(domain.AssignTeamLeader{Actor: op, Team: "green", User: nil})
	do(domain.DefineTeam{Actor: op, Team: "green", Name: "Green", Leader: ptr(domain.UserID("fay"))})
	do(domain.AssignWork{Actor: op, Item: "job-1", Kind: "job", Assignee: ptr(domain.UserID("hal"))})
	do(domain.DeactivateUser{Actor: op, User: "hal", At: w.Now})
	if state.Policy().DeletionAllowed {
		do(domain.DeleteUser{Actor: op, User: "gus"})
	}
	return state, last
}

func ptr[T any](v T) *T { return &v }

// The read model agrees with the write model on every team: name, leader
// and members, under every preset.
func TestTheReadModelAgreesWithTheWriteModelUnderEveryPreset(t *testing.T) {
	for _, preset := range domain.PresetNames() {
		t.Run(preset, func(t *testing.T) {
			w := projectiontest.New(t)
			state, last := history(w, preset)
			w.WaitFor(w.Project(teams.New()), last, teams.Table)
			list, err := teams.List(ctx, w.Pool, "acme")
			if err != nil {
				t.Fatal(err)
			}
			var ids []domain.TeamID
			for _, got := range list {
				ids = append(ids, got.ID)
				want, _ := state.Team(got.ID)
				if got.Name != want.Name || got.Leader != want.Leader || fmt.Sprint(got.Members) != fmt.Sprint(want.Members) {
					t.Errorf("%s: read %+v\nwrite %+v", got.ID, got, want)
				}
			}
			if fmt.Sprint(ids) != "[blue green red]" {
				t.Fatalf("teams %v, want [blue green red]", ids)
			}
			if hal, _ := state.User("hal"); preset == domain.PresetCommerce && len(hal.Teams) != 0 {
				t.Fatalf("under commerce the deactivated hal should have left every team, is in %v", hal.Teams)
			}
		})
	}
}

// Joining twice keeps one membership; another tenant's teams stay apart.
func TestMembershipIsIdempotentAndTenantsStayApart(t *testing.T) {
	w := projectiontest.New(t)
	w.Append("acme", domain.TeamDefined{Team: "red", Name: "Red"}, domain.TeamJoined{Team: "red", User: "bob"},
		domain.TeamJoined{Team: "red", User: "ann"}, domain.TeamJoined{Team: "red", User: "bob"},
		domain.TeamLeaderAssigned{Team: "red", Leader: "bob"})
	last := w.Append("other", domain.TeamDefined{Team: "red", Name: "Other red"})
	w.WaitFor(w.Project(teams.New()), last, teams.Table)
	list, err := teams.List(ctx, w.Pool, "acme")
	if err != nil || len(list) != 1 || fmt.Sprint(list[0].Members) != "[ann bob]" || list[0].Leader != "bob" || list[0].Name != "Red" {
		t.Fatalf("acme's teams: %+v (%v)", list, err)
	}
	if empty, err := teams.List(ctx, w.Pool, "nobody"); err != nil || len(empty) != 0 {
		t.Fatalf("a tenant without teams: %+v (%v)", empty, err)
	}
}
