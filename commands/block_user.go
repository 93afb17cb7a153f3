package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// blockUser suspends a user's access and kills their sessions.
func blockUser(p *pipeline, d deps) Handler[domain.BlockUser] {
	return handler(p, "block_user", func(_ context.Context, _ Envelope, in domain.BlockUser) (domain.Command, describer, error) {
		in.At = d.clock()
		return in, describeUser(in.User), nil
	})
}
