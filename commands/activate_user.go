package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// activateUser moves an invited user to active (an inactive one is reactivated).
func activateUser(e *execution.Engine) Handler[domain.ActivateUser] {
	return handler(e, "activate_user", func(_ context.Context, _ execution.Envelope, in domain.ActivateUser) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{User: in.User}, nil
	})
}
