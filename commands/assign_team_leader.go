package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// assignTeamLeader names a team's leader (nil: none).
func assignTeamLeader(e *execution.Engine) Handler[domain.AssignTeamLeader] {
	return handler(e, "assign_team_leader", func(_ context.Context, _ execution.Envelope, in domain.AssignTeamLeader) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{Team: in.Team}, nil
	})
}
