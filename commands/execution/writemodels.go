package execution

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// readPage is how many events one catch-up read asks for.
const readPage = 2000

// writeModel is the cached state of one tenant. Its mutex serialises the
// commands of that tenant within this process, so they queue instead of
// racing each other into version conflicts; other processes are caught by
// the expected version at append time.
type writeModel struct {
	mu       sync.Mutex          // held by the request carrying out a batch
	queue    requestQueue        // requests waiting for mu
	state    *domain.Tenant      // nil until loaded
	position eventstore.Position // of the last event applied
	// snapshotVersion is the version of the latest snapshot taken (or loaded).
	snapshotVersion int64
	// committed is what token checks read without the lock.
	committed committedView
	// entry is the model's place in the cache of write models.
	entry cacheEntry
}

// writeModels keeps one writeModel per tenant, in a cache bounded by the
// records they hold (modelCache).
type writeModels struct {
	store         EventStore
	snapshots     SnapshotStore // nil: no snapshots
	snapshotEvery int64
	log           *slog.Logger

	*modelCache
	saving sync.WaitGroup // snapshot writes in flight
}

// load fills an empty write model from its latest snapshot, if any, and the
// events after it. On an error the model is left unloaded (nil state):
// never an empty tenant that later reads would take for a loaded one.
func (w *writeModels) load(ctx context.Context, tenant domain.TenantID, m *writeModel) error {
	m.state, m.position, m.snapshotVersion = &domain.Tenant{}, eventstore.Position{}, 0
	if w.snapshots != nil {
		if err := w.restore(ctx, tenant, m); err != nil {
			m.state = nil
			return err
		}
	}
	if _, err := w.catchUp(ctx, tenant, m); err != nil {
		m.state = nil
		return err
	}
	m.committed.reset(m.state)
	w.maybeSnapshot(tenant, m) // a long replay now is one the next start can skip
	return nil
}

func (w *writeModels) restore(ctx context.Context, tenant domain.TenantID, m *writeModel) error {
	snap, found, err := w.snapshots.LoadSnapshot(ctx, domain.TenantStream(tenant))
	if err != nil {
		return fmt.Errorf("execution: load snapshot of %s: %w", tenant, err)
	}
	if !found || snap.SchemaVersion != domain.SnapshotSchemaVersion {
		return nil // replay from the start: the snapshot's layout is not ours
	}
	state, err := domain.UnmarshalSnapshot(snap.Data)
	if err != nil || state.Version() != snap.Version {
		w.log.Warn("ignoring an unreadable snapshot; replaying the stream", "tenant", tenant, "error", err)
		return nil
	}
	m.state, m.position, m.snapshotVersion = state, snap.Position, snap.Version
	return nil
}

// catchUp applies the events stored after the write model's version and
// returns how many there were. On an error the model is left unloaded, since
// it may hold part of a page.
func (w *writeModels) catchUp(ctx context.Context, tenant domain.TenantID, m *writeModel) (int64, error) {
	var applied int64
	for {
		page, err := w.store.ReadStream(ctx, domain.TenantStream(tenant), m.state.Version(), readPage)
		if err != nil {
			m.state = nil
			return applied, fmt.Errorf("execution: read %s: %w", domain.TenantStream(tenant), err)
		}
		for _, rec := range page {
			e, err := decodeEvent(rec)
			if err != nil {
				m.state = nil
				return applied, err
			}
			domain.Evolve(m.state, e)
			m.position = rec.Position
			applied++
			m.committed.publish(m.state, []domain.Event{e})
		}
		if len(page) < readPage {
			return applied, nil
		}
	}
}

// applyNewer applies the events of page (read after some earlier version)
// that the state does not have yet; the caller holds m.mu. Events the state
// already has (a command appended them meanwhile) are passed over.
func (w *writeModels) applyNewer(m *writeModel, page []eventstore.RecordedEvent) error {
	for _, rec := range page {
		if rec.StreamVersion <= m.state.Version() {
			// Applied by a command meanwhile, which published it too.
			continue
		}
		if have := m.state.Version(); rec.StreamVersion != have+1 { // cannot happen: pages are contiguous
			m.state = nil
			return fmt.Errorf("execution: %s: version %d after %d", rec.StreamID, rec.StreamVersion, have)
		}
		e, err := decodeEvent(rec)
		if err != nil {
			m.state = nil
			return err
		}
		domain.Evolve(m.state, e)
		m.position = rec.Position
		m.committed.publish(m.state, []domain.Event{e})
	}
	return nil
}

// maybeSnapshot takes a snapshot once the events since the last one number
// at least snapshotEvery and at least the state's size. A snapshot costs in
// proportion to the state, so spacing them by its size keeps the cost per
// event constant (a 100,000-user tenant is not serialised every 1,000
// events), while a cold load still replays no more events after the
// snapshot than the snapshot itself holds.
func (w *writeModels) maybeSnapshot(tenant domain.TenantID, m *writeModel) {
	since := m.state.Version() - m.snapshotVersion
	if w.snapshots != nil && since >= w.snapshotEvery && since >= int64(m.state.Size()) {
		w.snapshot(tenant, m)
	}
}

// snapshot serialises the state under the tenant's lock (so it is
// consistent) and writes it in the background, off the command's path. A
// failed write only costs a longer replay later, so it is logged, not fatal.
func (w *writeModels) snapshot(tenant domain.TenantID, m *writeModel) {
	if w.snapshots == nil {
		return
	}
	data, err := m.state.MarshalSnapshot()
	if err != nil {
		w.log.Error("snapshot failed", "tenant", tenant, "error", err)
		return
	}
	snap := Snapshot{Stream: domain.TenantStream(tenant), Version: m.state.Version(), Position: m.position,
		SchemaVersion: domain.SnapshotSchemaVersion, Data: data}
	m.snapshotVersion = snap.Version
	w.saving.Add(1)
	go func() {
		defer w.saving.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := w.snapshots.SaveSnapshot(ctx, snap); err != nil {
			w.log.Warn("snapshot write failed; the next load replays more events", "tenant", tenant, "error", err)
		}
	}()
}

// lockCurrent locks the tenant's write model and brings it to the stream's
// tail (loading it, or catching it up), for a caller that decides on it
// outside the request queue (a preview, a bulk) or reads it (current).
// unlock releases it.
func (w *writeModels) lockCurrent(ctx context.Context, tenant domain.TenantID) (m *writeModel, unlock func(), err error) {
	m = w.get(tenant)
	m.mu.Lock()
	if m.state == nil {
		err = w.load(ctx, tenant, m)
	} else {
		_, err = w.catchUp(ctx, tenant, m)
	}
	m.noteRecords()
	if err != nil {
		m.mu.Unlock()
		w.release(m)
		return nil, nil, err
	}
	return m, func() { m.noteRecords(); m.mu.Unlock(); w.release(m) }, nil
}
