package domain_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/domain/domaintest"
)

// partialReplay is one user's view rebuilt from their history alone, with
// the stream version of each event it applied.
type partialReplay struct {
	state    *domain.Tenant
	versions []int64 // versions[i] is the stream version of the (i+1)-th event applied
}

// view is the user's view with the replay's own versions turned back into
// the stream's.
func (p *partialReplay) view(id domain.UserID) (domain.UserView, bool) {
	v, found := p.state.User(id)
	if !found {
		return v, false
	}
	for _, at := range []*int64{&v.CreatedAt, &v.CredentialsAt, &v.LastAt, &v.ProfileAt} {
		if *at > 0 {
			*at = p.versions[*at-1]
		}
	}
	return v, true
}

// Replaying only the events of InUserHistory rebuilds every user's view
// exactly as the whole stream does, at every event boundary of a recorded
// history with many users, teams, policy changes and deletions.
func TestUserHistoryRebuildsTheSameViewAsTheWholeStreamAtEveryEvent(t *testing.T) {
	const users = 25
	batches := domaintest.Scenario(7, users, 3000, func(s string) string { return "bi-" + s })
	ids := []domain.UserID{domaintest.Owner, "never-invited"}
	for i := range users {
		ids = append(ids, domain.UserID(fmt.Sprintf("u-%d", i)))
	}
	full, partial := &domain.Tenant{}, map[domain.UserID]*partialReplay{}
	for _, id := range ids {
		partial[id] = &partialReplay{state: &domain.Tenant{}}
	}
	seen := map[string]int{}
	for _, batch := range batches {
		for _, e := range batch {
			domain.Evolve(full, e)
			seen[e.EventType()]++
			for _, id := range ids {
				if domain.InUserHistory(e, id) {
					p := partial[id]
					domain.Evolve(p.state, e)
					p.versions = append(p.versions, full.Version())
				}
				want, wantFound := full.User(id)
				got, gotFound := partial[id].view(id)
				if gotFound != wantFound || !reflect.DeepEqual(got, want) {
					t.Fatalf("after event %d (%s), user %s:\nfrom their history %v %+v\nfrom the stream   %v %+v",
						full.Version(), e.EventType(), id, gotFound, got, wantFound, want)
				}
			}
		}
	}
	requireVariety(t, seen)
}

// requireVariety fails unless the history holds every kind of event that
// bears on users, so that the property is not proven on a trivial history.
func requireVariety(t *testing.T, seen map[string]int) {
	t.Helper()
	for _, name := range []string{"TenantPolicyChanged", "UserInvited", "UserActivated", "UserDeactivated", "UserReactivated",
		"UserBlocked", "UserUnblocked", "SessionsRevoked", "RoleChanged", "PasswordSet", "UserDeleted", "TeamDefined",
		"TeamJoined", "TeamLeft", "TeamLeaderAssigned", "WorkAssigned", "OwnershipTransferred", "ProfileChanged"} {
		if seen[name] == 0 {
			t.Errorf("the recorded history has no %s (seen: %v)", name, seen)
		}
	}
}

func TestOnlyTenantAndTeamDefinitionsShapeEveryUser(t *testing.T) {
	for _, c := range []struct {
		event domain.Event
		want  bool
	}{
		{domain.TenantCreated{}, true},
		{domain.TenantPolicyChanged{}, true},
		{domain.TeamDefined{}, true},
		{domain.SeatsChanged{}, false},
		{domain.WorkAssigned{Assignee: "ann"}, false},
		{domain.OwnershipTransferred{From: "ann", To: "bob"}, false},
		{domain.UserActivated{User: "ann"}, false},
	} {
		if got := domain.ShapesEveryUser(c.event); got != c.want {
			t.Errorf("ShapesEveryUser(%s) = %v, want %v", c.event.EventType(), got, c.want)
		}
	}
	if !domain.InUserHistory(domain.TeamLeaderAssigned{Team: "red", Leader: "bob", Previous: "ann"}, "ann") {
		t.Error("a previous leader's history lacks the event that ends their lead")
	}
}
