package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// assignWork gives a work item to a user who may take work (nil: nobody).
func assignWork(p *pipeline) Handler[domain.AssignWork] {
	return handler(p, "assign_work", func(_ context.Context, _ Envelope, in domain.AssignWork) (domain.Command, describer, error) {
		return in, describeWorkItem(in.Item), nil
	})
}
