package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// unblockUser lifts a block, back to the status the user had before it.
func unblockUser(e *execution.Engine) Handler[domain.UnblockUser] {
	return handler(e, "unblock_user", func(_ context.Context, _ execution.Envelope, in domain.UnblockUser) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{User: in.User}, nil
	})
}
