package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// changePolicy switches the tenant's preset and/or overrides knobs. Owners only.
func changePolicy(e *execution.Engine) Handler[domain.ChangePolicy] {
	return handler(e, "change_policy", func(_ context.Context, _ execution.Envelope, in domain.ChangePolicy) (domain.Command, execution.Shown, error) {
		return in, execution.Shown{Tenant: true}, nil
	})
}
