package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// assignTeamLeader names a team's leader (nil: none).
func assignTeamLeader(p *pipeline) Handler[domain.AssignTeamLeader] {
	return handler(p, "assign_team_leader", func(_ context.Context, _ Envelope, in domain.AssignTeamLeader) (domain.Command, describer, error) {
		return in, describeTeam(in.Team), nil
	})
}
