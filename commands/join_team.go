package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// joinTeam adds a user to a team.
func joinTeam(e *execution.Engine) Handler[domain.JoinTeam] {
	return handler(e, "join_team", func(_ context.Context, _ execution.Envelope, in domain.JoinTeam) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{Team: in.Team}, nil
	})
}
