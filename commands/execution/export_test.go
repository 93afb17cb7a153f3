package execution

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// CarryOutTogether carries out cmds as one batch, exactly as if they had
// queued behind the tenant's lock at once: a deterministic way into the
// group-commit path, which concurrent tests reach only by chance.
func (e *Engine) CarryOutTogether(ctx context.Context, env Envelope, cmds ...domain.Command) ([]Result, []error) {
	envs := make([]Envelope, len(cmds))
	for i := range envs {
		envs[i] = env
	}
	return e.CarryOutTogetherIn(ctx, envs, cmds)
}

// CarryOutTogetherIn is CarryOutTogether with an envelope per command (all
// of one tenant).
func (e *Engine) CarryOutTogetherIn(ctx context.Context, envs []Envelope, cmds []domain.Command) ([]Result, []error) {
	m := e.exec.models.get(envs[0].Tenant)
	defer e.exec.models.release(m)
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.noteRecords()
	batch := make([]*request, len(cmds))
	for i, c := range cmds {
		batch[i] = &request{env: envs[i], cmd: c}
	}
	e.exec.carryOut(ctx, envs[0].Tenant, m, batch)
	results, errs := make([]Result, len(cmds)), make([]error, len(cmds))
	for i, r := range batch {
		results[i], errs[i] = r.res, r.err
	}
	return results, errs
}

// Previewed are the events a dry run decided (none for a real call).
func (r Result) Previewed() []domain.Event { return r.previewed }

// WithoutPreviewed is r without the events a dry run decided.
func (r Result) WithoutPreviewed() Result { r.previewed = nil; return r }

// Cached reports whether the engine holds the tenant's write model.
func (e *Engine) Cached(tenant domain.TenantID) bool { return e.models.lookup(tenant) != nil }
