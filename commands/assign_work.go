package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// assignWork gives a work item to a user who may take work (nil: nobody).
func assignWork(e *execution.Engine) Handler[domain.AssignWork] {
	return handler(e, "assign_work", func(_ context.Context, _ execution.Envelope, in domain.AssignWork) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{WorkItem: in.Item}, nil
	})
}
