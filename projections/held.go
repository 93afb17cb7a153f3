package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
)

// Quarantine is the set of tenants whose events one live projector holds
// back, because it failed on one of them: loaded from projection_failures
// when the projector starts, and grown as it fails. Only the process that
// runs the projectors changes the failures of live projectors, and it
// restarts them after a retry, so a quarantine never needs to shrink.
type Quarantine struct {
	db   DB
	name string

	mu      sync.Mutex
	loaded  bool
	tenants map[domain.TenantID]bool
}

// NewQuarantine returns the quarantine of the named projector, loaded at
// its first use.
func NewQuarantine(db DB, name string) *Quarantine {
	return &Quarantine{db: db, name: name, tenants: map[domain.TenantID]bool{}}
}

// load reads the projector's failed tenants, once.
func (q *Quarantine) load(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.loaded {
		return nil
	}
	failures, err := LoadFailures(ctx, q.db, q.name)
	if err != nil {
		return err
	}
	for _, f := range failures {
		q.tenants[f.Tenant] = true
	}
	q.loaded = true
	return nil
}

// holds reports whether tenant's events are held back.
func (q *Quarantine) holds(tenant domain.TenantID) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tenants[tenant]
}

// held is holds, or nil while no tenant is held: a batch then goes whole,
// without a look at each event.
func (q *Quarantine) held() func(domain.TenantID) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.tenants) == 0 {
		return nil
	}
	return q.holds
}

func (q *Quarantine) add(tenant domain.TenantID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tenants[tenant] = true
}

// ErrRetryMoved is returned by ApplyHeld when f is no longer where the
// caller read it: another retry (or a rebuild) moved or cleared it.
var ErrRetryMoved = errors.New("projections: the failure changed while it was retried")

// ApplyHeld applies held events of f's tenant to p's tables — consecutive
// from f.ResumeVersion, in stream order, none past p's checkpoint (which
// moved past them when they were held) — and, in the same transaction,
// moves f's resume version past them or, when done (no held event is
// left), clears f. A crash leaves f exactly where the retry resumes.
func ApplyHeld(ctx context.Context, pool Beginner, p Projector, f TenantFailure, events []Event, done bool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT resume_version FROM projection_failures WHERE projection = $1 AND tenant = $2 FOR UPDATE`,
			f.Projection, string(f.Tenant))
		if err := decodable(p, events); err != nil {
			return err
		}
		w, err := reduced(ctx, tx, p, events)
		if err != nil {
			return err
		}
		if err := w.load(ctx, tx); err != nil {
			return fmt.Errorf("projections: %s: retry %s: %w", p.Name(), f.Tenant, err)
		}
		w.queue(batch)
		queueResume(batch, f, events, done)
		results := tx.SendBatch(ctx, batch)
		defer results.Close()
		var resume int64
		if err := results.QueryRow().Scan(&resume); err != nil || resume != f.ResumeVersion {
			return fmt.Errorf("%w: %s of %s resumes at %d, not %d (%v)", ErrRetryMoved, f.Projection, f.Tenant, resume, f.ResumeVersion, err)
		}
		for i := range batch.Len() - 1 {
			if _, err := results.Exec(); err != nil {
				return fmt.Errorf("projections: %s: retry %s: statement %d: %w", p.Name(), f.Tenant, i+1, err)
			}
		}
		return results.Close()
	})
}

// queueResume queues the statement that moves f past events, or clears it.
func queueResume(batch *pgx.Batch, f TenantFailure, events []Event, done bool) {
	if done {
		batch.Queue(`DELETE FROM projection_failures WHERE projection = $1 AND tenant = $2`, f.Projection, string(f.Tenant))
		return
	}
	next := f.ResumeVersion
	if len(events) > 0 {
		next = events[len(events)-1].Version + 1
	}
	batch.Queue(`UPDATE projection_failures SET resume_version = $3 WHERE projection = $1 AND tenant = $2`,
		f.Projection, string(f.Tenant), next)
}

// RecordRetryFailure records that a retry of f stopped on e, which still
// cannot be applied: f now names e, resumes there, and waits for another
// request to retry.
func RecordRetryFailure(ctx context.Context, db DB, f TenantFailure, e Event, cause error) error {
	_, err := db.Exec(ctx, `UPDATE projection_failures SET commit_position = $3, prepare_position = $4, stream_version = $5,
    event_id = $6, event_type = $7, error = $8, resume_version = $5, failed_at = now(), retry_requested_at = NULL
WHERE projection = $1 AND tenant = $2`, f.Projection, string(f.Tenant), e.Position.Commit, e.Position.Prepare, e.Version,
		e.ID, e.Type, cause.Error())
	if err != nil {
		return fmt.Errorf("projections: record the failed retry of %s for %s: %w", f.Projection, f.Tenant, err)
	}
	return nil
}
