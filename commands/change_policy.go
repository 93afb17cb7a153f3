package commands

import (
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// changePolicy switches the tenant's preset and/or overrides knobs. Owners only.
func changePolicy(e *execution.Engine) Handler[domain.ChangePolicy] {
	return handler(e, "change_policy", tenantWide[domain.ChangePolicy])
}
