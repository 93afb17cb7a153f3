package tenants

import (
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Schema creates the table.
func (p Projector) Schema() []string {
	return []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    id              text PRIMARY KEY,
    name            text        NOT NULL,
    preset          text        NOT NULL,
    policy          jsonb       NOT NULL,
    seats_purchased integer     NOT NULL DEFAULT 0,
    version         bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
)`, p.Table())}
}

// Reduce is pure: tenant creation, policy and seat changes become rows.
func (p Projector) Reduce(e projections.Event) []projections.Statement {
	switch d := e.Data.(type) {
	case domain.TenantCreated:
		return []projections.Statement{{SQL: fmt.Sprintf(`INSERT INTO %s (id, name, preset, policy, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`, p.Table()),
			Args: []any{string(e.Tenant), d.Name, d.Preset, policyJSON(d.Policy), e.Version, e.OccurredAt}}}
	case domain.TenantPolicyChanged:
		return []projections.Statement{{SQL: fmt.Sprintf(`UPDATE %s SET preset = $2, policy = $3, version = $4, updated_at = $5 WHERE id = $1`, p.Table()),
			Args: []any{string(e.Tenant), d.Preset, policyJSON(d.Policy), e.Version, e.OccurredAt}}}
	case domain.SeatsChanged:
		return []projections.Statement{{SQL: fmt.Sprintf(`UPDATE %s SET seats_purchased = $2, version = $3, updated_at = $4 WHERE id = $1`, p.Table()),
			Args: []any{string(e.Tenant), d.Seats, e.Version, e.OccurredAt}}}
	}
	return nil
}

// policyJSON encodes a policy for the jsonb column; a Policy always encodes.
func policyJSON(p domain.Policy) []byte {
	b, _ := json.Marshal(p)
	return b
}

// handled are the only events this read model uses.
var handled = projections.Of(domain.TenantCreated{}, domain.TenantPolicyChanged{}, domain.SeatsChanged{})

// Handles implements projections.Interested: other events need no decoding.
func (p Projector) Handles(eventType string) bool { return handled[eventType] }
