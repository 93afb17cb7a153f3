package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// unblockUser lifts a block, back to the status the user had before it.
func unblockUser(p *pipeline) Handler[domain.UnblockUser] {
	return handler(p, "unblock_user", func(_ context.Context, _ Envelope, in domain.UnblockUser) (domain.Command, describer, error) {
		return in, describeUser(in.User), nil
	})
}
