package domain_test

import (
	"bytes"
	"testing"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/domain/domaintest"
)

func snapshotOf(t *testing.T, s *domain.Tenant) []byte {
	t.Helper()
	b, err := s.MarshalSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Evolving a fork never changes the state it was forked from, and gives
// the state a deep copy evolved with the same events gives — over random
// histories, forked at every tenth command; and once adopted, a fork is
// changed in place like any state.
func TestAForkChangesAloneAndLikeACopy(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		batches := domaintest.Scenario(seed, 15, 400, func(e string) string { return "index:" + e })
		origin := &domain.Tenant{}
		for i, batch := range batches {
			if i%10 == 5 {
				before := snapshotOf(t, origin)
				fork, copy := origin.Fork(), origin.Clone()
				for _, later := range batches[i:min(i+10, len(batches))] {
					for _, e := range later {
						domain.Evolve(fork, e)
						domain.Evolve(copy, e)
					}
				}
				if !bytes.Equal(snapshotOf(t, origin), before) {
					t.Fatalf("seed %d, batch %d: evolving a fork changed its origin", seed, i)
				}
				if got, want := snapshotOf(t, fork), snapshotOf(t, copy); !bytes.Equal(got, want) {
					t.Fatalf("seed %d, batch %d: the fork evolved to\n%s\na copy to\n%s", seed, i, got, want)
				}
				fork.Adopt()
				for _, e := range batch {
					domain.Evolve(fork, e)
				}
			}
			for _, e := range batch {
				domain.Evolve(origin, e)
			}
		}
	}
}
