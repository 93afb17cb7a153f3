package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// transferOwnership moves work items from one user to another (or to
// nobody): all of From's, or the listed ones. Result.Moved counts them.
func transferOwnership(e *execution.Engine) Handler[domain.TransferOwnership] {
	return handler(e, "transfer_ownership", func(_ context.Context, _ execution.Envelope, in domain.TransferOwnership) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{Moved: true}, nil
	})
}
