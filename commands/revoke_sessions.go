package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// revokeSessions forces a logout: every token issued before now dies.
func revokeSessions(p *pipeline, d deps) Handler[domain.RevokeSessions] {
	return handler(p, "revoke_sessions", func(_ context.Context, _ Envelope, in domain.RevokeSessions) (domain.Command, describer, error) {
		in.At = d.clock()
		return in, describeUser(in.User), nil
	})
}
