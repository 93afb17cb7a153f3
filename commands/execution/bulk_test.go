package execution_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// bulkUsers are the users the racing bulks and commands act on: two owners
// and five members, on 5 seats.
var bulkUsers = []domain.UserID{"owner", "o2", "m1", "m2", "m3", "m4", "m5"}

// randomAction draws an action that may break an invariant if decided on a
// stale state: a deactivation (of an owner: sole_owner), a reactivation
// (seat_limit) or a change of role (the last owner demoted).
func randomAction(p *process, rng *rand.Rand) commands.BulkAction {
	u := bulkUsers[rng.IntN(len(bulkUsers))]
	switch rng.IntN(3) {
	case 0:
		return p.DeactivateUser.InBulk(domain.DeactivateUser{Actor: op, User: u}, "race")
	case 1:
		return p.ReactivateUser.InBulk(domain.ReactivateUser{Actor: op, User: u}, "race")
	}
	role := []domain.Role{domain.RoleOwner, domain.RoleMember}[rng.IntN(2)]
	return p.ChangeRole.InBulk(domain.ChangeRole{Actor: op, User: u, Role: role}, "race")
}

// single carries out a as the single command it stands for.
func single(p *process, tenant domain.TenantID, a commands.BulkAction) {
	e := env(tenant)
	switch in := a.Input.(type) {
	case domain.DeactivateUser:
		_, _ = p.DeactivateUser.Handle(ctx, e, in)
	case domain.ReactivateUser:
		_, _ = p.ReactivateUser.Handle(ctx, e, in)
	case domain.ChangeRole:
		_, _ = p.ChangeRole.Handle(ctx, e, in)
	}
}

// raceTenant makes a tenant of 5 seats whose users are bulkUsers: both
// owners and m1–m3 active (every seat taken), m4 and m5 inactive.
func raceTenant(t *testing.T, p *process, tenant domain.TenantID) {
	t.Helper()
	createTenant(t, p, tenant, domain.PresetStrict, len(bulkUsers))
	invite(t, p, tenant, "o2", domain.RoleOwner, true)
	for _, m := range bulkUsers[2:] {
		invite(t, p, tenant, m, domain.RoleMember, true)
	}
	for _, m := range []domain.UserID{"m4", "m5"} {
		if _, err := p.DeactivateUser.Handle(ctx, env(tenant), domain.DeactivateUser{Actor: op, User: m}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.ChangeSeats.Handle(ctx, env(tenant), domain.ChangeSeats{Actor: op, Seats: 5}); err != nil {
		t.Fatal(err)
	}
}

// checkInvariants replays the tenant's stream and fails at the first event
// after which the tenant has no active owner or uses more seats than it
// purchased.
func checkInvariants(t *testing.T, f *fixture, tenant domain.TenantID, round int) {
	t.Helper()
	s := &domain.Tenant{}
	for _, e := range f.storedEvents(tenant, 0) {
		domain.Evolve(s, e)
		if s.Version() < 10 { // the tenant and its users are still being made
			continue
		}
		owners := 0
		for _, id := range bulkUsers {
			if u, ok := s.User(id); ok && u.Role == domain.RoleOwner && u.Status == domain.StatusActive {
				owners++
			}
		}
		if v := s.View(); owners == 0 || v.SeatsUsed > v.SeatsPurchased {
			t.Fatalf("round %d, version %d (%s): %d active owners, %d of %d seats used", round, s.Version(), e.EventType(), owners, v.SeatsUsed, v.SeatsPurchased)
		}
	}
}

// Twenty atomic bulks race single commands on the same users, from two
// processes, for 50 rounds: no interleaving ever leaves the tenant without
// an active owner or over its seats.
func TestAtomicBulksRacingSingleCommandsNeverBreakAnInvariant(t *testing.T) {
	f := newFixture(t)
	processes := []*process{f.handlers(), f.handlers()}
	const tenant = "race"
	raceTenant(t, processes[0], tenant)
	carried, refused := 0, 0
	var mu sync.Mutex
	for round := range 50 {
		var wg sync.WaitGroup
		for g := range 25 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(round), uint64(g)))
				p := processes[g%2]
				if g >= 20 { // the single commands
					for range 3 {
						single(p, tenant, randomAction(p, rng))
					}
					return
				}
				actions := make([]commands.BulkAction, 2+rng.IntN(4))
				for i := range actions {
					actions[i] = randomAction(p, rng)
				}
				res, err := p.Bulk.Handle(ctx, env(tenant), commands.Bulk{Atomic: true, Actions: actions})
				if err != nil {
					t.Errorf("round %d: bulk: %v", round, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if res.Refused != nil {
					refused++
				} else if res.Changed {
					carried++
				}
			}()
		}
		wg.Wait()
		checkInvariants(t, f, tenant, round)
	}
	if carried < 50 || refused < 50 {
		t.Errorf("%d bulks stored, %d refused: the race did not test both outcomes enough", carried, refused)
	}
}

// A bulk that is not atomic, racing single commands, answers exactly the
// outcomes its actions have in the stream: replaying the stream up to the
// bulk's events and deciding its actions in order there gives the same
// refusals, the same no-ops, and the very events the bulk stored.
func TestABulkThatIsNotAtomicReportsWhatTheStreamShows(t *testing.T) {
	f := newFixture(t)
	processes := []*process{f.handlers(), f.handlers()}
	const tenant = "replay"
	raceTenant(t, processes[0], tenant)
	for round := range 20 {
		rng := rand.New(rand.NewPCG(uint64(round), 99))
		p := processes[round%2]
		actions := make([]commands.BulkAction, 8)
		for i := range actions {
			actions[i] = randomAction(p, rng)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := processes[g%2]
				r := rand.New(rand.NewPCG(uint64(round), uint64(g)))
				for range 3 {
					single(q, tenant, randomAction(q, r))
				}
			}()
		}
		e := env(tenant)
		e.CausationID = fmt.Sprintf("bulk-%d", round)
		res, err := p.Bulk.Handle(ctx, e, commands.Bulk{Atomic: false, Actions: actions})
		wg.Wait()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		checkAgainstStream(t, f, tenant, e.CausationID, actions, res)
	}
}

// checkAgainstStream checks a non-atomic bulk's answer against the stream,
// replaying each action where it was decided: one that stored events, just
// before its first (it must decide the very events stored there, under the
// bulk's causation id); one that changed nothing, at the version it
// answered with; one refused, which carries no version, where the bulk's
// one pass put it (decisionPlaces), where deciding it must give that
// refusal. (Replaying up to the bulk's first event would not do: a bulk
// that stores nothing is answered after the stream's tail, where commands
// racing it may have gone on.)
func checkAgainstStream(t *testing.T, f *fixture, tenant domain.TenantID, causation string, actions []commands.BulkAction, res execution.Result) {
	t.Helper()
	recs, err := f.store.ReadStream(ctx, domain.TenantStream(tenant), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	events := make([]domain.Event, len(recs)) // events[v-1] is version v
	causes := make([]string, len(recs))
	for i, rec := range recs {
		var meta domain.Metadata
		if err := json.Unmarshal(rec.Metadata, &meta); err != nil {
			t.Fatal(err)
		}
		if events[i], err = domain.DecodeEvent(rec.Type, rec.SchemaVersion, rec.Payload); err != nil {
			t.Fatal(err)
		}
		causes[i] = meta.CausationID
	}
	places := decisionPlaces(t, res.Actions, int64(len(recs)))
	bulkEvents := 0
	for i, a := range actions {
		got, place := res.Actions[i], places[i]
		cmd := a.Input.(domain.Command)
		if d, ok := cmd.(domain.DeactivateUser); ok { // the use case stamps its instant
			d.At = time.Now()
			cmd = d
		}
		matched := false
		for v := place.lo; v <= min(place.hi, int64(len(events))) && !matched; v++ {
			s := &domain.Tenant{}
			for _, e := range events[:v] {
				domain.Evolve(s, e)
			}
			decided, refusal := domain.Decide(s, cmd)
			switch {
			case got.Refusal != nil:
				matched = refusal != nil && refusal.Error() == got.Refusal.Error()
			case refusal != nil:
			case !got.Result.Changed:
				matched = len(decided) == 0
			default:
				first := got.Result.First - 1
				if len(decided) != len(got.Result.Events) || first+int64(len(decided)) > int64(len(events)) {
					t.Fatalf("%s action %d: deciding it at version %d gives %s; the bulk answered %v from version %d",
						causation, i, v, described(decided), got.Result.Events, got.Result.First)
				}
				bulkEvents += len(decided)
				stored := events[first : first+int64(len(decided))]
				for _, c := range causes[first : first+int64(len(decided))] {
					if c != causation {
						t.Fatalf("%s action %d: its events are not all the bulk's (causation %q)", causation, i, c)
					}
				}
				if described(decided) != described(stored) {
					t.Fatalf("%s action %d: deciding it at version %d gives %s; the bulk stored %s", causation, i, v,
						described(decided), described(stored))
				}
				matched = true
			}
		}
		if !matched {
			t.Fatalf("%s action %d: the bulk answered %+v (refusal %v), which deciding it nowhere in versions %d–%d gives",
				causation, i, got.Result, got.Refusal, place.lo, place.hi)
		}
	}
	ofBulk := 0
	for _, c := range causes {
		if c == causation {
			ofBulk++
		}
	}
	if ofBulk != bulkEvents {
		t.Fatalf("%s: the stream holds %d events of the bulk; its actions answered %d", causation, ofBulk, bulkEvents)
	}
}

// versions is a span of stream versions, both ends included.
type versions struct{ lo, hi int64 }

// decisionPlaces are the versions each action of a non-atomic bulk was
// decided at. The bulk decides every action in one pass on one state, so
// action i's is the bulk's base version plus the events of the actions
// before it; each result gives the base (one that stored events, its
// first event's version less one; one that did not, its version), and all
// must give the same. Only a bulk whose every action was refused gives no
// base: its actions may lie anywhere in the stream's span.
func decisionPlaces(t *testing.T, outcomes []execution.ActionOutcome, head int64) []versions {
	t.Helper()
	base, known := int64(0), false
	before := int64(0) // events of the actions before this one
	for i, o := range outcomes {
		if o.Result == nil {
			continue
		}
		at := o.Result.Version
		if o.Result.Changed {
			at = o.Result.First - 1
		}
		if known && at-before != base {
			t.Fatalf("action %d was decided at version %d, not after the %d events before it from base %d", i, at, before, base)
		}
		base, known = at-before, true
		before += int64(len(o.Result.Events))
	}
	places := make([]versions, len(outcomes))
	before = 0
	for i, o := range outcomes {
		places[i] = versions{0, head}
		if known {
			places[i] = versions{base + before, base + before}
		}
		if o.Result != nil {
			before += int64(len(o.Result.Events))
		}
	}
	return places
}

// described names events by type and subjects: the instants the use cases
// stamp (a revocation's) are the bulk's own, not the replay's.
func described(events []domain.Event) string {
	out := ""
	for _, e := range events {
		out += fmt.Sprintf("%s%v ", e.EventType(), domain.Subjects(e))
	}
	return out
}
