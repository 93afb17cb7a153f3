package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// changePolicy switches the tenant's preset and/or overrides knobs. Owners only.
func changePolicy(p *pipeline) Handler[domain.ChangePolicy] {
	return handler(p, "change_policy", func(_ context.Context, _ Envelope, in domain.ChangePolicy) (domain.Command, describer, error) {
		return in, describeTenant, nil
	})
}
