package projectionfeed

import (
	"context"
	"sync"
	"time"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/readapi"
)

var _ readapi.Failures = (*FailureBook)(nil)

// failureBookAge is how old the book's copy of the failures may be when a
// read does not ask for the stored state: failures are rare, reads are
// many, and one small query this often costs nothing.
const failureBookAge = 250 * time.Millisecond

// FailureBook answers which tenants' read models have stopped, from a copy
// of projection_failures read again when it is older than failureBookAge,
// when this process's projectors recorded or cleared a failure since, or
// when a read asks for the stored state.
type FailureBook struct {
	DB     projections.DB
	Status *projections.Status // this process's projectors (may be nil)
	Clock  func() time.Time    // nil: time.Now

	mu         sync.Mutex
	byModel    map[string]map[domain.TenantID]projections.TenantFailure
	readAt     time.Time
	generation uint64
}

// FailureOf implements readapi.Failures.
func (b *FailureBook) FailureOf(ctx context.Context, tenant domain.TenantID, exact bool, readModels ...string) (projections.TenantFailure, bool, error) {
	byModel, err := b.current(ctx, tenant, exact)
	if err != nil {
		return projections.TenantFailure{}, false, err
	}
	for _, m := range readModels {
		if f, ok := byModel[m][tenant]; ok {
			return f, true, nil
		}
	}
	return projections.TenantFailure{}, false, nil
}

// current returns the failures by read model and tenant: the copy, or the
// stored state of tenant's read now when exact.
func (b *FailureBook) current(ctx context.Context, tenant domain.TenantID, exact bool) (map[string]map[domain.TenantID]projections.TenantFailure, error) {
	if exact {
		return b.read(ctx, tenant)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	generation := b.Status.FailureGeneration()
	if b.byModel != nil && b.now().Sub(b.readAt) < failureBookAge && generation == b.generation {
		return b.byModel, nil
	}
	byModel, err := b.read(ctx, "")
	if err != nil {
		return nil, err
	}
	b.byModel, b.readAt, b.generation = byModel, b.now(), generation
	return byModel, nil
}

// read reads the stored failures of tenant ("": of every tenant).
func (b *FailureBook) read(ctx context.Context, tenant domain.TenantID) (map[string]map[domain.TenantID]projections.TenantFailure, error) {
	failures, err := projections.LoadTenantFailures(ctx, b.DB, tenant)
	if err != nil {
		return nil, err
	}
	byModel := map[string]map[domain.TenantID]projections.TenantFailure{}
	for _, f := range failures {
		if byModel[f.Projection] == nil {
			byModel[f.Projection] = map[domain.TenantID]projections.TenantFailure{}
		}
		byModel[f.Projection][f.Tenant] = f
	}
	return byModel, nil
}

func (b *FailureBook) now() time.Time {
	if b.Clock == nil {
		return time.Now()
	}
	return b.Clock()
}
