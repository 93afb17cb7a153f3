package domain

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"time"
)

// churn drives a tenant through a long, deterministic but varied history by
// issuing random commands through Decide (refusals are skipped), and returns
// every event appended.
func churn(t *testing.T, preset string, steps int, seed int64) (*Tenant, []Event) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	s := replay(tenant(preset, 60))
	history := tenant(preset, 60)
	uid := func() UserID { return UserID(fmt.Sprintf("u%d", rng.Intn(80))) }
	tid := func() TeamID { return TeamID(fmt.Sprintf("t%d", rng.Intn(6))) }
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	for i := 0; i < steps; i++ {
		u := uid()
		conn := ConnectionID(fmt.Sprintf("c%d", rng.Intn(3)))
		cmds := []Command{
			InviteUser{Actor: op, User: u, PII: personal(u), EmailIndex: "bi-" + string(u), Role: []Role{RoleOwner, RoleAdmin, RoleMember, RoleMember}[rng.Intn(4)],
				Kind: []Kind{KindMember, KindMember, KindCustomer}[rng.Intn(3)], Activate: rng.Intn(2) == 0},
			ActivateUser{Actor: op, User: u},
			DeactivateUser{Actor: op, User: u, At: at(i), AllowReactivationOnPurchase: rng.Intn(2) == 0},
			ReactivateUser{Actor: op, User: u},
			BlockUser{Actor: op, User: u, At: at(i)},
			UnblockUser{Actor: op, User: u},
			ChangeRole{Actor: op, User: u, Role: []Role{RoleOwner, RoleAdmin, RoleMember}[rng.Intn(3)]},
			DeleteUser{Actor: op, User: u},
			DefineTeam{Actor: op, Team: tid(), Name: "T", Leader: ptr(uid())},
			JoinTeam{Actor: op, Team: tid(), User: u},
			LeaveTeam{Actor: op, Team: tid(), User: u},
			DeleteTeam{Actor: op, Team: tid()},
			AssignWork{Actor: op, Item: WorkItemID(fmt.Sprintf("w%d", rng.Intn(120))), Kind: "job", Assignee: ptr(u)},
			TransferOwnership{Actor: op, From: u, To: uid()},
			ChangePolicy{Actor: op, Preset: ptr(PresetNames()[rng.Intn(len(PresetNames()))])},
			ChangeSeats{Actor: op, Seats: 40 + rng.Intn(40)},
			ReactivateOnPurchase{Actor: op, EmailIndex: "bi-" + string(u)},
			CreateScimConnection{Actor: op, Connection: conn, Name: "C" + string(conn), TokenDigest: "d-" + string(conn),
				GroupRoles: map[string]Role{"Owners": RoleOwner}},
			RevokeScimConnection{Actor: op, Connection: conn},
			DeactivateUser{Actor: ConnectionActor(conn, "C"+string(conn)), User: u, At: at(i)},
		}
		evs, err := Decide(s, cmds[rng.Intn(len(cmds))])
		if err != nil {
			continue
		}
		for _, e := range evs {
			s = Evolve(s, e)
		}
		history = append(history, evs...)
		if i%500 == 0 {
			checkCounters(t, s)
		}
	}
	checkCounters(t, s)
	return s, history
}

func TestEvolveOfALongHistoryKeepsCountersConsistent(t *testing.T) {
	t.Parallel()
	for _, preset := range PresetNames() {
		s, history := churn(t, preset, 6000, int64(len(preset)))
		if s.Version() != int64(len(history)) {
			t.Fatalf("%s: version %d after %d events", preset, s.Version(), len(history))
		}
		if len(history) < 1000 {
			t.Fatalf("%s: churn produced only %d events", preset, len(history))
		}
		// Replaying the recorded events from scratch gives the same state.
		if !bytes.Equal(mustSnapshot(t, replay(history)), mustSnapshot(t, s)) {
			t.Fatalf("%s: replay differs from the incrementally evolved state", preset)
		}
		_, used := s.Seats()
		recount := 0
		for id := range s.users {
			if v, _ := s.User(id); v.ConsumesSeat {
				recount++
			}
		}
		if used != recount {
			t.Fatalf("%s: seats used %d, recount %d", preset, used, recount)
		}
	}
}

func TestSnapshotRoundTripGivesAnEqualState(t *testing.T) {
	t.Parallel()
	s, _ := churn(t, PresetCommerce, 4000, 42)
	data := mustSnapshot(t, s)
	back, err := UnmarshalSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustSnapshot(t, back), data) {
		t.Fatal("snapshot of the restored state differs")
	}
	checkCounters(t, back)
	if !reflect.DeepEqual(digest(back), digest(s)) {
		t.Fatal("restored state answers queries differently")
	}
	if back.activeOwners != s.activeOwners || !reflect.DeepEqual(nonZero(back.staff), nonZero(s.staff)) {
		t.Fatalf("counters differ: %v/%d vs %v/%d", back.staff, back.activeOwners, s.staff, s.activeOwners)
	}
	// The restored state decides exactly like the original.
	for _, id := range sortedKeys(s.users) {
		cmd := DeactivateUser{Actor: op, User: id, At: t0}
		e1, err1 := Decide(s, cmd)
		e2, err2 := Decide(back, cmd)
		if CodeOf(err1) != CodeOf(err2) || !reflect.DeepEqual(e1, e2) {
			t.Fatalf("%s: %v %v vs %v %v", id, e1, err1, e2, err2)
		}
	}
}

func TestSnapshotOfAnotherSchemaIsRefused(t *testing.T) {
	t.Parallel()
	if _, err := UnmarshalSnapshot([]byte(`{"schema":99}`)); err == nil {
		t.Fatal("future snapshot accepted")
	}
	if _, err := UnmarshalSnapshot([]byte(`{`)); err == nil {
		t.Fatal("malformed snapshot accepted")
	}
	empty, err := UnmarshalSnapshot(mustSnapshot(t, &Tenant{}))
	if err != nil || empty.Exists() {
		t.Fatalf("zero tenant round trip: %v %v", empty.Exists(), err)
	}
}

func TestCloneSharesNothing(t *testing.T) {
	t.Parallel()
	s := replay(events(strictStaff(), teamWith("red", "mgr", "mem"), work("j1", "mem")))
	before := mustSnapshot(t, s)
	c := s.Clone()
	for _, e := range []Event{
		TeamLeft{Team: "red", User: "mem"}, WorkAssigned{Item: "j1", Kind: "job", Assignee: "adm", Previous: "mem"},
		RoleChanged{User: "mem", From: RoleMember, To: RoleAdmin}, UserDeleted{User: "mgr"},
		TenantPolicyChanged{Preset: PresetStrict, Policy: mustPreset(PresetStrict, PolicyPatch{ManagersOfUsers: []Role{RoleOwner}})},
	} {
		c = Evolve(c, e)
	}
	if !bytes.Equal(before, mustSnapshot(t, s)) {
		t.Fatal("evolving the clone changed the original")
	}
	if p := s.Policy(); !slices.Equal(p.ManagersOfUsers, []Role{RoleOwner, RoleAdmin}) {
		t.Fatalf("original policy changed: %v", p.ManagersOfUsers)
	}
	checkCounters(t, c)
	checkCounters(t, s)
}

func TestZeroTenantIsATenantThatDoesNotExist(t *testing.T) {
	t.Parallel()
	var s Tenant
	if s.Exists() || s.Version() != 0 {
		t.Fatal("zero tenant exists")
	}
	if _, ok := s.User("x"); ok {
		t.Fatal("zero tenant has users")
	}
	if purchased, used := s.Seats(); purchased != 0 || used != 0 {
		t.Fatal("zero tenant has seats")
	}
	if _, err := Decide(nil, ActivateUser{Actor: op, User: "x"}); CodeOf(err) != CodeNotFound {
		t.Fatalf("nil state: %v", err)
	}
	if got := Evolve(nil, TeamDefined{Team: "t", Name: "T"}); got.Version() != 1 {
		t.Fatal("Evolve(nil) did not start a state")
	}
}

func TestUserViewTracksVersionsLeadsAndRevocation(t *testing.T) {
	t.Parallel()
	later := t0.Add(time.Hour)
	s := replay(events(strictStaff(), teamWith("red", "mem"), teamWith("blue", "", "mem"), []Event{
		SessionsRevoked{User: "mem", RevokedBefore: later},
		SessionsRevoked{User: "mem", RevokedBefore: t0}, // older instant: never revives tokens
	}, work("j1", "mem")))
	v, _ := s.User("mem")
	// invited, activated, joined red, leads red, joined blue, two revocations;
	// the work item is not about the user.
	if v.Version != 7 {
		t.Fatalf("version %d", v.Version)
	}
	if !slices.Equal(v.Teams, []TeamID{"blue", "red"}) || !slices.Equal(v.Leads, []TeamID{"red"}) {
		t.Fatalf("teams %v leads %v", v.Teams, v.Leads)
	}
	if !v.SessionsRevokedBefore.Equal(later) {
		t.Fatalf("revoked before %v", v.SessionsRevokedBefore)
	}
	if byEmail, ok := s.UserByEmailIndex(emailIdx("mem")); !ok || byEmail.ID != "mem" {
		t.Fatal("lookup by e-mail index")
	}
	if items := s.WorkItemsOf("mem"); !slices.Equal(items, []WorkItemID{"j1"}) {
		t.Fatalf("items %v", items)
	}
	if tv, _ := s.Team("red"); tv.Leader != "mem" || !slices.Equal(tv.Members, []UserID{"mem"}) {
		t.Fatalf("team %+v", tv)
	}
	s = Evolve(s, UserDeleted{User: "mem"})
	if _, ok := s.UserByEmailIndex(emailIdx("mem")); ok {
		t.Fatal("a deleted user is still found by e-mail")
	}
	if v, _ := s.User("mem"); v.EmailIndex != "" || len(v.Teams) != 0 || v.Status != StatusDeleted {
		t.Fatalf("deleted view %+v", v)
	}
}

// digest is every query answer of a state, for comparing two states.
func digest(s *Tenant) map[string]any {
	d := map[string]any{"exists": s.Exists(), "id": s.ID(), "name": s.Name(), "preset": s.Preset(),
		"policy": s.Policy(), "version": s.Version(), "owners": s.ActiveOwners()}
	p, u := s.Seats()
	d["seats"] = [2]int{p, u}
	for id := range s.users {
		v, _ := s.User(id)
		d["user/"+string(id)] = v
		d["items/"+string(id)] = s.WorkItemsOf(id)
	}
	for id := range s.teams {
		d["team/"+string(id)], _ = s.Team(id)
	}
	for id := range s.items {
		d["item/"+string(id)], _ = s.WorkItem(id)
	}
	for idx := range s.emails {
		d["email/"+idx], _ = s.UserByEmailIndex(idx)
	}
	for idx := range s.blocklist {
		d["blocked/"+idx] = s.EmailBlocked(idx)
	}
	return d
}

func nonZero(m map[Status]int) map[Status]int {
	out := map[Status]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func TestEnumsAndActors(t *testing.T) {
	t.Parallel()
	for _, st := range []Status{StatusInvited, StatusActive, StatusInactive, StatusBlocked, StatusDeleted} {
		if !st.Valid() {
			t.Fatalf("%s invalid", st)
		}
	}
	if Status("gone").Valid() || Role("boss").Valid() || Kind("robot").Valid() {
		t.Fatal("unknown enum values validate")
	}
	if !RoleOwner.Outranks(RoleAdmin) || RoleMember.Outranks(RoleManager) || RoleAdmin.Outranks(RoleAdmin) {
		t.Fatal("role order")
	}
	if ActorOf(BlockUser{Actor: by("adm")}) != by("adm") || !ActorOf(CreateTenant{Actor: op}).Operator {
		t.Fatal("ActorOf")
	}
	if Unassigned.Valid() || !UserID("ann-1").Valid() || !WorkItemID("CONV_1.a:b").Valid() || TeamID("a b").Valid() {
		t.Fatal("id validation")
	}
}

// The write model remembers at which stream versions a user was created, last
// got credentials and was last touched, so that the command side can read
// their sealed personal data and instants back with point reads.
func TestUserStreamVersionsPointAtTheirEvents(t *testing.T) {
	given := append(tenant(PresetStrict, 10), // versions 1–4
		UserInvited{User: "u1", PII: personal("u1"), EmailIndex: emailIdx("u1"), Role: RoleMember, Kind: KindMember}, // 5
		UserActivated{User: "u1"},                                // 6
		SeatsChanged{Seats: 11},                                  // 7: not about u1
		PasswordSet{User: "u1"},                                  // 8
		RoleChanged{User: "u1", From: RoleMember, To: RoleAdmin}, // 9
		SeatsChanged{Seats: 12},                                  // 10
	)
	s := replay(given)
	u, _ := s.User("u1")
	if u.CreatedAt != 5 || u.CredentialsAt != 8 || u.LastAt != 9 {
		t.Fatalf("created/credentials/last at %d/%d/%d, want 5/8/9", u.CreatedAt, u.CredentialsAt, u.LastAt)
	}
	restored, err := UnmarshalSnapshot(mustSnapshot(t, s))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := restored.User("u1"); !reflect.DeepEqual(r, u) {
		t.Fatalf("after a snapshot: %+v, want %+v", r, u)
	}
}
