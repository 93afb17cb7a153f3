package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// CarryOutTogether carries out cmds as one batch, exactly as if they had
// queued behind the tenant's lock at once: a deterministic way into the
// group-commit path, which concurrent tests reach only by chance.
func (h *Handlers) CarryOutTogether(ctx context.Context, env Envelope, cmds ...domain.Command) ([]Result, []error) {
	m := h.exec.models.get(env.Tenant)
	m.mu.Lock()
	defer m.mu.Unlock()
	batch := make([]*request, len(cmds))
	for i, c := range cmds {
		batch[i] = &request{env: env, cmd: c, describe: func(*domain.Tenant, *Result) {}}
	}
	h.exec.carryOut(ctx, env.Tenant, m, batch)
	results, errs := make([]Result, len(cmds)), make([]error, len(cmds))
	for i, r := range batch {
		results[i], errs[i] = r.res, r.err
	}
	return results, errs
}
