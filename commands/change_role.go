package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// changeRole gives a user another role, within the role hierarchy and sole-owner rules.
func changeRole(p *pipeline) Handler[domain.ChangeRole] {
	return handler(p, "change_role", func(_ context.Context, _ Envelope, in domain.ChangeRole) (domain.Command, describer, error) {
		return in, describeUser(in.User), nil
	})
}
