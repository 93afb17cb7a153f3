package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// recordLogin records a granted login (domain.UserLoggedIn), refused with
// login_forbidden when the user may no longer log in on the current state.
func recordLogin(e *execution.Engine) Handler[domain.RecordLogin] {
	return handler(e, "record_login", func(_ context.Context, _ execution.Envelope, in domain.RecordLogin) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{User: in.User}, nil
	})
}
