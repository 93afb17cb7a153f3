package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// changeRole gives a user another role, within the role hierarchy and sole-owner rules.
func changeRole(e *execution.Engine) Handler[domain.ChangeRole] {
	return handler(e, "change_role", func(_ context.Context, _ execution.Envelope, in domain.ChangeRole) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{User: in.User}, nil
	})
}
