package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// defineTeam creates or renames a team, optionally with its leader.
func defineTeam(e *execution.Engine) Handler[domain.DefineTeam] {
	return handler(e, "define_team", func(_ context.Context, _ execution.Envelope, in domain.DefineTeam) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{Team: in.Team}, nil
	})
}
