package publicevents

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
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
