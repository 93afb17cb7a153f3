package users_test

import (
	"encoding/json"
	"testing"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/projections/users"
)

// The read model's capability rules are domain.Policy's: for every preset
// with each setting of the two knobs the rules read (inactive users may log
// in; inactive users consume a seat), every status and every kind, the SQL
// that derives can_login, assignable and consumes_seat answers what
// domain.Policy.Capabilities answers.
func TestTheCapabilityRulesInSQLAreThePolicysForEveryPolicyStatusAndKind(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	statuses := []domain.Status{domain.StatusInvited, domain.StatusActive, domain.StatusInactive, domain.StatusBlocked, domain.StatusDeleted}
	kinds := []domain.Kind{domain.KindMember, domain.KindCustomer}
	checked := 0
	for _, preset := range domain.PresetNames() {
		base, err := domain.PresetPolicy(preset)
		if err != nil {
			t.Fatal(err)
		}
		for _, canLogin := range []bool{false, true} {
			for _, consumes := range []bool{false, true} {
				policy := base
				policy.InactiveCanLogin, policy.InactiveConsumesSeat = canLogin, consumes
				stored, err := json.Marshal(policy) // as the tenants read model stores it
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range statuses {
					for _, k := range kinds {
						var got domain.Capabilities
						err := pool.QueryRow(ctx, `SELECT `+users.CapabilitiesSQL+` FROM (VALUES ($1::text, $2::text, $3::jsonb)) AS v(status, kind, policy)`,
							string(st), string(k), stored).Scan(&got.CanLogin, &got.Assignable, &got.ConsumesSeat)
						if err != nil {
							t.Fatal(err)
						}
						if want := policy.Capabilities(k, st); got != want {
							t.Errorf("%s, inactive_can_login=%v, inactive_consumes_seat=%v, %s %s: SQL %+v, domain %+v",
								preset, canLogin, consumes, st, k, got, want)
						}
						checked++
					}
				}
			}
		}
	}
	if want := len(domain.PresetNames()) * 4 * len(statuses) * len(kinds); checked != want || checked == 0 {
		t.Fatalf("checked %d combinations, want %d", checked, want)
	}
}
