package documents

import "github.com/rosterhq/roster/domain"

// Tenant is API.md's Tenant.
type Tenant struct {
	ID      domain.TenantID `json:"id"`
	Name    string          `json:"name"`
	Preset  string          `json:"preset"`
	Policy  domain.Policy   `json:"policy"`
	Seats   Seats           `json:"seats"`
	Version int64           `json:"version"`
}

// Seats are a tenant's licence seats: purchased, used by its users under
// its policy, and still available.
type Seats struct {
	Purchased int `json:"purchased"`
	Used      int `json:"used"`
	Available int `json:"available"`
}

// NewTenant renders API.md's Tenant from t. None are available when more
// seats are used than purchased (a policy that ignores the seat limit).
func NewTenant(t domain.TenantView) Tenant {
	return Tenant{ID: t.ID, Name: t.Name, Preset: t.Preset, Policy: t.Policy, Version: t.Version,
		Seats: Seats{Purchased: t.SeatsPurchased, Used: t.SeatsUsed, Available: max(0, t.SeatsPurchased-t.SeatsUsed)}}
}
