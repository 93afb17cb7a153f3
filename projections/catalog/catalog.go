// Package catalog lists Roster's read models in one place: the ones serve
// keeps, a rebuild can rebuild, and benches and tests project.
package catalog

import (
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/audit"
	"github.com/rosterhq/roster/projections/publicevents"
	"github.com/rosterhq/roster/projections/teams"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
	"github.com/rosterhq/roster/projections/work"
)

// All returns every read model, in the order they are listed and set up.
func All() []projections.ReadModel {
	return []projections.ReadModel{
		{Live: tenants.New(), Suffixed: func(s string) projections.Projector { return tenants.NewSuffixed(s) }},
		{Live: users.New(), Suffixed: func(s string) projections.Projector { return users.NewSuffixed(s) }},
		{Live: teams.New(), Suffixed: func(s string) projections.Projector { return teams.NewSuffixed(s) }},
		{Live: work.New(), Suffixed: func(s string) projections.Projector { return work.NewSuffixed(s) }},
		{Live: audit.New(), Suffixed: func(s string) projections.Projector { return audit.NewSuffixed(s) }},
		{Live: publicevents.New(), Suffixed: func(s string) projections.Projector { return publicevents.NewSuffixed(s) }},
	}
}

// Projectors returns the projector of every read model into tables named
// with suffix ("": the live ones).
func Projectors(suffix string) []projections.Projector {
	models := All()
	out := make([]projections.Projector, len(models))
	for i, m := range models {
		out[i] = m.Suffixed(suffix)
	}
	return out
}
