package commands

import (
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// revokeScimConnection revokes a SCIM connection: the next command its
// token sends is refused when decided. Owners only; a repeat is a no-op.
func revokeScimConnection(e *execution.Engine) Handler[domain.RevokeScimConnection] {
	return handler(e, "revoke_scim_connection", tenantWide[domain.RevokeScimConnection])
}
