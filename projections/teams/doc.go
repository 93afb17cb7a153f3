// Package teams is the teams read model: one row per team with its name,
// its leader (none once the lead is taken away) and its members, as
// GET /v1/tenants/{tenant}/teams lists them.
package teams

import "github.com/rosterhq/roster/projections"

// Table is the current version of the read model's table.
const Table = "teams_v1"

// Projector keeps Table, or a copy of it (projections.InTable).
type Projector struct{ projections.Named }

// New returns the projector of the live table; NewSuffixed that of a copy.
func New() Projector                      { return NewSuffixed("") }
func NewSuffixed(suffix string) Projector { return projections.InTable[Projector](Table, suffix) }
