package commands

import (
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// The describers of the use cases: which resource a reply shows, taken from
// the state after the command.

func describeUser(id domain.UserID) execution.Describer {
	return func(s *domain.Tenant, r *execution.Result) {
		if u, ok := s.User(id); ok {
			r.User = &u
		}
	}
}

func describeTeam(id domain.TeamID) execution.Describer {
	return func(s *domain.Tenant, r *execution.Result) {
		if t, ok := s.Team(id); ok {
			r.Team = &t
		}
	}
}

func describeWorkItem(id domain.WorkItemID) execution.Describer {
	return func(s *domain.Tenant, r *execution.Result) {
		if w, ok := s.WorkItem(id); ok {
			r.WorkItem = &w
		}
	}
}

func describeTenant(s *domain.Tenant, r *execution.Result) {
	if !s.Exists() {
		return
	}
	purchased, used := s.Seats()
	r.Tenant = &execution.TenantView{ID: s.ID(), Name: s.Name(), Preset: s.Preset(), Policy: s.Policy(),
		SeatsPurchased: purchased, SeatsUsed: used, Version: s.SettingsVersion()}
}
