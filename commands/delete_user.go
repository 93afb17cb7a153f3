package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// deleteUser erases a user for good; history stays under "Deleted user".
func deleteUser(e *execution.Engine) Handler[domain.DeleteUser] {
	return handler(e, "delete_user", func(_ context.Context, _ execution.Envelope, in domain.DeleteUser) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{User: in.User}, nil
	})
}
