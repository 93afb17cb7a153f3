package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// deleteUser erases a user for good; history stays under "Deleted user".
func deleteUser(p *pipeline) Handler[domain.DeleteUser] {
	return handler(p, "delete_user", func(_ context.Context, _ Envelope, in domain.DeleteUser) (domain.Command, describer, error) {
		return in, describeUser(in.User), nil
	})
}
