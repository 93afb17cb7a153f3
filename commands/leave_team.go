package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// leaveTeam removes a user from a team (and from its lead, if they had it).
func leaveTeam(e *execution.Engine) Handler[domain.LeaveTeam] {
	return handler(e, "leave_team", func(_ context.Context, _ execution.Envelope, in domain.LeaveTeam) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{Team: in.Team}, nil
	})
}
