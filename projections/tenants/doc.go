// Package tenants is the tenants read model: each tenant's name, preset,
// policy and seats purchased (seats used are counted from the users read
// model), as GET /v1/tenants/{tenant} shows them.
package tenants

import "github.com/rosterhq/roster/projections"

// Table is the current version of the read model's table.
const Table = "tenants_v1"

// Projector keeps Table, or a copy of it (projections.InTable).
type Projector struct{ projections.Named }

// New returns the projector of the live table; NewSuffixed that of a copy.
func New() Projector                      { return NewSuffixed("") }
func NewSuffixed(suffix string) Projector { return projections.InTable[Projector](Table, suffix) }
