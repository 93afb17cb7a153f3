package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// blockUser suspends a user's access and kills their sessions.
func blockUser(e *execution.Engine, d deps) Handler[domain.BlockUser] {
	return handler(e, "block_user", func(_ context.Context, _ execution.Envelope, in domain.BlockUser) (domain.Command, execution.Shown, error) {
		in.At = d.clock()
		return in, execution.Shown{User: in.User}, nil
	})
}
