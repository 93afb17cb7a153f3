package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// deleteTeam removes a team once its members have left it (an identity
// provider deleting the group the team mirrors). Managers of users.
func deleteTeam(e *execution.Engine) Handler[domain.DeleteTeam] {
	return handler(e, "delete_team", func(_ context.Context, _ execution.Envelope, in domain.DeleteTeam) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{}, nil
	})
}
