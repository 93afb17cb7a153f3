// Package work is the work read model: one row per work item with its kind
// and assignee (none when unassigned), as GET /v1/tenants/{tenant}/work
// lists them, filtered by assignee and kind and paged by item id.
package work

import "github.com/rosterhq/roster/projections"

// Table is the current version of the read model's table.
const Table = "work_v1"

// Projector keeps Table, or a copy of it (projections.InTable).
type Projector struct{ projections.Named }

// New returns the projector of the live table; NewSuffixed that of a copy.
func New() Projector                      { return NewSuffixed("") }
func NewSuffixed(suffix string) Projector { return projections.InTable[Projector](Table, suffix) }
