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

// TenantSettings are what a Tenant shows as the tenant has them.
type TenantSettings struct {
	ID      domain.TenantID
	Name    string
	Preset  string
	Policy  domain.Policy
	Version int64 // of the latest change to the settings (If-Match)
}

// NewTenant renders API.md's Tenant: its settings, and the seats it has
// purchased and that its users use now. None are available when more are
// used than purchased (a policy that ignores the seat limit).
func NewTenant(s TenantSettings, purchased, used int) Tenant {
	return Tenant{ID: s.ID, Name: s.Name, Preset: s.Preset, Policy: s.Policy, Version: s.Version,
		Seats: Seats{Purchased: purchased, Used: used, Available: max(0, purchased-used)}}
}
