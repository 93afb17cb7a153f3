package publicevents

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/domain/domaintest"
	"github.com/rosterhq/roster/projections"
)

// feedOf is a scenario's commands as the feed hands them over: one
// projections.Event per event, each with its part among its command's.
func feedOf(commands [][]domain.Event) []projections.Event {
	var out []projections.Event
	for c, events := range commands {
		for i, e := range events {
			n := len(out) + 1
			out = append(out, projections.Event{Position: eventstore.Position{Commit: uint64(n), Prepare: uint64(n)},
				Tenant: domaintest.Tenant, Version: int64(n), ID: fmt.Sprintf("ev-%d", n), Type: e.EventType(),
				OccurredAt: domaintest.Start.Add(time.Duration(n) * time.Second), Data: e,
				Meta: domain.Metadata{Tenant: domaintest.Tenant, Actor: domain.OperatorActor(), Reason: fmt.Sprintf("command %d", c),
					Part: &domain.Part{Index: i, Of: len(events)}}})
		}
	}
	return out
}

// tellInBatches tells feed cut into random batches, carrying between them
// only what the projector's tables carry (facts and open drafts, through
// JSON), as Prepare loads them; it returns every command told, in order.
func tellInBatches(t *testing.T, rng *rand.Rand, feed []projections.Event) []*draft {
	t.Helper()
	var told []*draft
	kept := map[domain.TenantID]*tenantFacts{}
	for len(feed) > 0 {
		n := 1 + rng.IntN(min(len(feed), 7))
		tl := newTeller()
		for id, f := range kept { // reload as from the tables
			g := tl.tenant(id)
			roundTrip(t, f.policy, &g.policy)
			for u, facts := range f.users {
				var copied userFacts
				roundTrip(t, facts, &copied)
				g.users[u] = &copied
			}
			if f.open != nil {
				d := &draft{}
				roundTrip(t, f.open, d)
				g.open = d
			}
		}
		for _, e := range feed[:n] {
			tl.tell(e)
		}
		feed = feed[n:]
		for _, d := range tl.touched {
			if d.Remaining == 0 && d.Type != "" {
				told = append(told, d)
			}
		}
		for id, f := range tl.tenants {
			kept[id] = f
		}
	}
	return told
}

func roundTrip(t *testing.T, from, to any) {
	t.Helper()
	raw, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, to); err != nil {
		t.Fatal(err)
	}
}

// Each command of a random history with a public type is told once, named
// by its first event that has one, with exactly the consequences its reply
// listed (domain.Impact, on the write model's state) but for the count of
// sessions, however the feed cuts the history into batches.
func TestACommandIsToldWithTheConsequencesItsReplyListed(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		commands := domaintest.Scenario(seed, 12, 400, func(s string) string { return "index:" + s })
		state := &domain.Tenant{}
		type want struct {
			typ          string
			consequences []documents.Consequence
		}
		var wanted []want
		for _, events := range commands {
			impact := domain.MeasureImpact(state, events)
			for _, e := range events {
				domain.Evolve(state, e)
			}
			typ := ""
			for _, e := range events {
				if name, ok := typeOf(e); ok {
					typ = name
					break
				}
			}
			if typ == "" {
				continue
			}
			cs := documents.NewConsequences(impact.Consequences(state))
			for i := range cs {
				cs[i].Count = nil
			}
			wanted = append(wanted, want{typ: typ, consequences: cs})
		}
		told := tellInBatches(t, rand.New(rand.NewPCG(seed, 7)), feedOf(commands))
		if len(told) != len(wanted) {
			t.Fatalf("seed %d: %d commands told, want %d", seed, len(told), len(wanted))
		}
		for i, d := range told {
			var got []documents.Consequence
			roundTrip(t, d.Data.Consequences, &got)
			var w []documents.Consequence
			roundTrip(t, wanted[i].consequences, &w)
			if d.Type != wanted[i].typ || !reflect.DeepEqual(got, w) {
				t.Fatalf("seed %d, command %d told as %s %+v, want %s %+v", seed, i, d.Type, got, wanted[i].typ, w)
			}
		}
	}
}

// A command whose events stopped short (a foreign history; atomic appends
// never leave one) and whose open row a batch loaded is told as far as it
// went when the next command begins, and its row is rewritten with the
// batch: left open, it would hold back every reader of the log.
func TestACommandLeftOpenByAnEarlierBatchIsClosedWhenTheNextBegins(t *testing.T) {
	t.Parallel()
	invite := func(id domain.UserID) domain.Event {
		return domain.UserInvited{User: id, Role: domain.RoleMember, Kind: domain.KindMember}
	}
	feed := feedOf([][]domain.Event{{invite("u-1"), invite("u-2")}, {invite("u-3")}})
	feed = append(feed[:1], feed[2]) // the first command's second event never comes

	first := newTeller()
	first.tell(feed[0])
	left := first.tenant(domaintest.Tenant).open
	if left == nil || left.Remaining != 1 {
		t.Fatalf("after its first event the command is %+v; want it open with one event to come", left)
	}

	next := newTeller() // the next batch, with the open command loaded from its row, as Prepare does
	loaded := &draft{}
	roundTrip(t, left, loaded)
	next.tenant(domaintest.Tenant).open, next.stored[loaded] = loaded, true
	next.tell(feed[1])
	if !slices.Contains(next.touched, loaded) {
		t.Fatal("the command left open is not among the drafts the batch writes: its row stays open")
	}
	if loaded.Remaining != 0 || loaded.Type != TypeUserInvited {
		t.Errorf("the command left open is written as %s with %d to come; want %s, complete", loaded.Type, loaded.Remaining, TypeUserInvited)
	}
}
