package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// leaveTeam removes a user from a team (and from its lead, if they had it).
func leaveTeam(p *pipeline) Handler[domain.LeaveTeam] {
	return handler(p, "leave_team", func(_ context.Context, _ Envelope, in domain.LeaveTeam) (domain.Command, describer, error) {
		return in, describeTeam(in.Team), nil
	})
}
