package domain

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// Shared vocabulary of the specifications: a tenant "acme" whose first owner
// is "own", staff named by role, instants around t0.

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

const ownerID UserID = "own"

var op = OperatorActor()

func by(id UserID) Actor { return UserActor(id) }

func ptr[T any](v T) *T { return &v }

func personal(id UserID) PersonalData {
	return PersonalData{Email: string(id) + "@example.test", Name: "Person " + string(id)}
}

func emailIdx(id UserID) string { return "bi-" + string(id) }

func mustPreset(name string, patches ...PolicyPatch) Policy {
	p, err := PresetPolicy(name)
	if err != nil {
		panic(err)
	}
	for _, patch := range patches {
		p = p.Apply(patch)
	}
	return p
}

func events(parts ...[]Event) []Event {
	var out []Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// tenant is a created tenant with seats and an active owner "own".
func tenant(preset string, seats int, patches ...PolicyPatch) []Event {
	return []Event{
		TenantCreated{Tenant: "acme", Name: "Acme", Preset: preset, Policy: mustPreset(preset, patches...)},
		SeatsChanged{Seats: seats},
		UserInvited{User: ownerID, PII: personal(ownerID), EmailIndex: emailIdx(ownerID), Role: RoleOwner, Kind: KindMember},
		UserActivated{User: ownerID},
	}
}

func invitedAs(id UserID, role Role, kind Kind) []Event {
	return []Event{UserInvited{User: id, PII: personal(id), EmailIndex: emailIdx(id), Role: role, Kind: kind}}
}

// staff is an active member-kind user.
func staff(id UserID, role Role) []Event {
	return append(invitedAs(id, role, KindMember), UserActivated{User: id})
}

// customer is an active customer.
func customer(id UserID) []Event {
	return append(invitedAs(id, RoleMember, KindCustomer), UserActivated{User: id})
}

func deactivated(id UserID) []Event { return []Event{UserDeactivated{User: id}} }

func blocked(id UserID, prev Status) []Event {
	return []Event{UserBlocked{User: id, PreviousStatus: prev}}
}

func deleted(id UserID) []Event { return []Event{UserDeleted{User: id}} }

// teamWith defines a team with members; a non-empty leader joins and leads.
func teamWith(id TeamID, leader UserID, members ...UserID) []Event {
	ev := []Event{TeamDefined{Team: id, Name: "Team " + string(id)}}
	for _, m := range members {
		ev = append(ev, TeamJoined{Team: id, User: m})
	}
	if leader != "" {
		ev = append(ev, TeamJoined{Team: id, User: leader}, TeamLeaderAssigned{Team: id, Leader: leader})
	}
	return ev
}

func work(item WorkItemID, assignee UserID) []Event {
	return []Event{WorkAssigned{Item: item, Kind: "job", Assignee: assignee}}
}

// strictStaff is a strict tenant with 10 seats, an owner, an admin "adm", a
// manager "mgr" and a member "mem", all active.
func strictStaff() []Event {
	return events(tenant(PresetStrict, 10), staff("adm", RoleAdmin), staff("mgr", RoleManager), staff("mem", RoleMember))
}

func replay(given []Event) *Tenant {
	s := &Tenant{}
	for _, e := range given {
		s = Evolve(s, e)
	}
	return s
}

// spec is one decider specification: given a history, when a command, then
// exactly these events, or the refusal wantErr (an invalid one naming
// wantField, when set).
type spec struct {
	name      string
	given     []Event
	when      Command
	then      []Event
	wantErr   Code
	wantField string
}

// runSpecs checks each spec, that Decide left the state untouched, and that
// the counters stay consistent once the answered events are applied.
func runSpecs(t *testing.T, specs []spec) {
	t.Helper()
	for _, tc := range specs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := replay(tc.given)
			before := mustSnapshot(t, s)
			got, err := Decide(s, tc.when)
			if CodeOf(err) != tc.wantErr {
				t.Fatalf("error = %v, want code %q", err, tc.wantErr)
			}
			if tc.wantField != "" {
				checkRefusalOf(t, err, tc.wantField, "")
			}
			if !reflect.DeepEqual(got, tc.then) {
				t.Fatalf("events:\n got  %#v\n want %#v", got, tc.then)
			}
			if !bytes.Equal(before, mustSnapshot(t, s)) {
				t.Fatal("Decide changed the state")
			}
			for _, e := range got {
				s = Evolve(s, e)
			}
			checkCounters(t, s)
		})
	}
}

func mustSnapshot(t *testing.T, s *Tenant) []byte {
	t.Helper()
	b, err := s.MarshalSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkCounters recounts everything Evolve maintains incrementally.
func checkCounters(t *testing.T, s *Tenant) {
	t.Helper()
	staffCount, owners, emails := map[Status]int{}, 0, map[string]UserID{}
	for id, u := range s.users {
		if u.kind == KindMember {
			staffCount[u.status]++
		}
		if u.role == RoleOwner && u.status == StatusActive {
			owners++
		}
		if u.status != StatusDeleted {
			emails[u.emailIndex] = id
		}
	}
	for st, n := range s.staff {
		if staffCount[st] != n {
			t.Fatalf("staff[%s] = %d, recount %d", st, n, staffCount[st])
		}
	}
	if owners != s.activeOwners {
		t.Fatalf("activeOwners = %d, recount %d", s.activeOwners, owners)
	}
	if len(s.users) > 0 && !reflect.DeepEqual(emails, s.emails) {
		t.Fatalf("email index %v, recount %v", s.emails, emails)
	}
	checkItemIndex(t, s)
	checkTeamIndex(t, s)
}

// checkItemIndex checks that per-user item sets and item assignees agree.
func checkItemIndex(t *testing.T, s *Tenant) {
	t.Helper()
	for id, u := range s.users {
		for item := range u.items {
			if s.items[item].assignee != id {
				t.Fatalf("user %s indexes item %s assigned to %q", id, item, s.items[item].assignee)
			}
		}
	}
	for id, it := range s.items {
		if u := s.users[it.assignee]; u != nil {
			if _, ok := u.items[id]; !ok {
				t.Fatalf("item %s assigned to %s is missing from their index", id, it.assignee)
			}
		}
	}
}

// checkTeamIndex checks that memberships agree both ways and leaders are members.
func checkTeamIndex(t *testing.T, s *Tenant) {
	t.Helper()
	for id, u := range s.users {
		for tm := range u.teams {
			if _, ok := s.teams[tm].members[id]; !ok {
				t.Fatalf("user %s indexes team %s that does not list them", id, tm)
			}
		}
	}
	for id, tm := range s.teams {
		if _, ok := tm.members[tm.leader]; tm.leader != "" && !ok {
			t.Fatalf("leader %s of team %s is not a member", tm.leader, id)
		}
		for m := range tm.members {
			if _, ok := s.users[m].teams[id]; !ok {
				t.Fatalf("team %s lists %s whose index lacks it", id, m)
			}
		}
	}
}
