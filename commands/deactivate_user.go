package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// deactivateUser takes a user out of work under the tenant's policy: sessions revoked, work handed off, teams left, customer e-mail blocklisted, as the policy says.
func deactivateUser(e *execution.Engine, d deps) Handler[domain.DeactivateUser] {
	return handler(e, "deactivate_user", func(_ context.Context, _ execution.Envelope, in domain.DeactivateUser) (domain.Command, execution.Shown, error) {
		in.At = d.clock()
		return in, execution.Shown{User: in.User}, nil
	})
}
