package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// transferOwnership moves work items from one user to another (or to
// nobody): all of From's, or the listed ones. Result.Moved counts them.
func transferOwnership(p *pipeline) Handler[domain.TransferOwnership] {
	return handler(p, "transfer_ownership", func(_ context.Context, _ Envelope, in domain.TransferOwnership) (domain.Command, describer, error) {
		describe := func(_ *domain.Tenant, r *Result) {
			for _, e := range r.decided {
				if moved, ok := e.(domain.OwnershipTransferred); ok {
					r.Moved += len(moved.Items)
				}
			}
		}
		return in, describe, nil
	})
}
