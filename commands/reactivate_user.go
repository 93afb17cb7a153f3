package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// reactivateUser brings an inactive user back, seat permitting.
func reactivateUser(e *execution.Engine) Handler[domain.ReactivateUser] {
	return handler(e, "reactivate_user", func(_ context.Context, _ execution.Envelope, in domain.ReactivateUser) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{User: in.User}, nil
	})
}
