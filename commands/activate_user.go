package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// activateUser moves an invited user to active (an inactive one is reactivated).
func activateUser(p *pipeline) Handler[domain.ActivateUser] {
	return handler(p, "activate_user", func(_ context.Context, _ Envelope, in domain.ActivateUser) (domain.Command, describer, error) {
		return in, describeUser(in.User), nil
	})
}
