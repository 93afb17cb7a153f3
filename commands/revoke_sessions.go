package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// revokeSessions forces a logout: every token issued before now dies.
func revokeSessions(e *execution.Engine, d deps) Handler[domain.RevokeSessions] {
	return handler(e, "revoke_sessions", func(_ context.Context, _ execution.Envelope, in domain.RevokeSessions) (domain.Command, execution.Shown, error) {
		in.At = d.clock()
		return in, execution.Shown{User: in.User}, nil
	})
}
