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

// checkAgainstStream replays the tenant's stream up to the first event the
// bulk (by its causation id) stored, then decides its actions in order, and
// compares with what the bulk answered and stored.
func checkAgainstStream(t *testing.T, f *fixture, tenant domain.TenantID, causation string, actions []commands.BulkAction, res execution.Result) {
	t.Helper()
	recs, err := f.store.ReadStream(ctx, domain.TenantStream(tenant), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	s := &domain.Tenant{}
	var stored []domain.Event
	for _, rec := range recs {
		var meta domain.Metadata
		if err := json.Unmarshal(rec.Metadata, &meta); err != nil {
			t.Fatal(err)
		}
		e, err := domain.DecodeEvent(rec.Type, rec.SchemaVersion, rec.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if meta.CausationID == causation {
			stored = append(stored, e)
		} else if stored == nil {
			domain.Evolve(s, e)
		}
	}
	var decided []domain.Event
	for i, a := range actions {
		cmd := a.Input.(domain.Command)
		if d, ok := cmd.(domain.DeactivateUser); ok { // the use case stamps its instant
			d.At = time.Now()
			cmd = d
		}
		events, refusal := domain.Decide(s, cmd)
		got := res.Actions[i]
		switch {
		case refusal != nil:
			if got.Refusal == nil || got.Refusal.Error() != refusal.Error() {
				t.Fatalf("%s action %d: the stream refuses it with %v, the bulk answered %+v", causation, i, refusal, got)
			}
			continue
		case got.Result == nil || got.Result.Changed != (len(events) > 0):
			t.Fatalf("%s action %d: the stream decides %d events, the bulk answered %+v", causation, i, len(events), got)
		}
		for _, ev := range events {
			domain.Evolve(s, ev)
		}
		decided = append(decided, events...)
	}
	if d, s := described(decided), described(stored); d != s {
		t.Fatalf("%s: deciding on the stream gives\n%s\nthe bulk stored\n%s", causation, d, s)
	}
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
