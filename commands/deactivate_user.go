package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// deactivateUser takes a user out of work under the tenant's policy: sessions revoked, work handed off, teams left, customer e-mail blocklisted, as the policy says.
func deactivateUser(p *pipeline, d deps) Handler[domain.DeactivateUser] {
	return handler(p, "deactivate_user", func(_ context.Context, _ Envelope, in domain.DeactivateUser) (domain.Command, describer, error) {
		in.At = d.clock()
		return in, describeUser(in.User), nil
	})
}
