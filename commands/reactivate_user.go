package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// reactivateUser brings an inactive user back, seat permitting.
func reactivateUser(p *pipeline) Handler[domain.ReactivateUser] {
	return handler(p, "reactivate_user", func(_ context.Context, _ Envelope, in domain.ReactivateUser) (domain.Command, describer, error) {
		return in, describeUser(in.User), nil
	})
}
