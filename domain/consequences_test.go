package domain_test

import (
	"testing"
	"time"

	"github.com/rosterhq/roster/domain"
)

// kinds lists the consequences' kinds and users, in order.
func kinds(cs []domain.Consequence) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c.Kind) + ":" + string(c.User)
	}
	return out
}

// decideAndApply decides cmd on s, applies its events and returns their
// consequences.
func decideAndApply(t *testing.T, s *domain.Tenant, cmd domain.Command) []domain.Consequence {
	t.Helper()
	events, err := domain.Decide(s, cmd)
	if err != nil {
		t.Fatal(err)
	}
	impact := domain.MeasureImpact(s, events)
	for _, e := range events {
		domain.Evolve(s, e)
	}
	return impact.Consequences(s)
}

// Each command's consequences say what its events did, in the admin's
// terms: an invitation takes a seat; a role change says from and to; a
// block ends sessions (issued before it) and frees the seat; a deletion
// erases personal data; a no-op has none.
func TestConsequencesSayWhatTheEventsDid(t *testing.T) {
	op := domain.OperatorActor()
	s := &domain.Tenant{}
	decideAndApply(t, s, domain.CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Seats: 5,
		Owner: domain.OwnerAccount{User: "own", PII: domain.PersonalData{Email: "own@acme.test", Name: "Own"}, EmailIndex: "i-own"}})
	for _, c := range []struct {
		name string
		cmd  domain.Command
		want []string
	}{
		{"invite", domain.InviteUser{Actor: op, User: "ann", PII: domain.PersonalData{Email: "ann@acme.test", Name: "Ann"}, EmailIndex: "i-ann",
			Role: domain.RoleMember, Kind: domain.KindMember, Activate: true}, []string{"seat_taken:ann"}},
		{"role", domain.ChangeRole{Actor: op, User: "ann", Role: domain.RoleManager}, []string{"role_changed:ann"}},
		{"block", domain.BlockUser{Actor: op, User: "ann", At: time.Now()}, []string{"status_changed:ann", "sessions_revoked:ann", "seat_freed:ann"}},
		{"block again", domain.BlockUser{Actor: op, User: "ann", At: time.Now()}, []string{}},
		{"delete", domain.DeleteUser{Actor: op, User: "ann"}, []string{"status_changed:ann", "personal_data_erased:ann"}},
	} {
		got := kinds(decideAndApply(t, s, c.cmd))
		if len(got) != len(c.want) {
			t.Fatalf("%s: %v, want %v", c.name, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

// A session dies when it was good before the command and is not after:
// issued before the revocation, and not the one kept.
func TestASessionLossTellsWhichSessionsDie(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	loss := domain.SessionLoss{Before: domain.SessionRule{CanLogin: true}, After: domain.SessionRule{CanLogin: true, RevokedBefore: t0, Kept: "mine"}}
	for _, c := range []struct {
		s    domain.SessionRef
		dies bool
	}{
		{domain.SessionRef{Ref: "old", IssuedAt: t0.Add(-time.Hour)}, true},
		{domain.SessionRef{Ref: "mine", IssuedAt: t0.Add(-time.Hour)}, false},
		{domain.SessionRef{Ref: "new", IssuedAt: t0}, false},
	} {
		if got := loss.Dies(c.s); got != c.dies {
			t.Errorf("%s issued %s: dies %v, want %v", c.s.Ref, c.s.IssuedAt, got, c.dies)
		}
	}
}
