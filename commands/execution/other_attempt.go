package execution

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// otherAttempt is where a request with an idempotency key looks for events
// that another attempt of the same request stored (their ids are derived
// from the key) after stream version after. Either an earlier attempt
// claimed the key and never recorded its outcome — it died, or is still
// running elsewhere — and may have stored them before this one even starts;
// or this request claimed the key, and a concurrent repeat (of the first
// kind, in another process) may store them once this one has started.
//
// The PostgreSQL store would recognise a re-append of those ids anywhere in
// the stream, but a retry decides afresh on a state that already holds the
// first attempt's events, so it would not even try: an invitation finds its
// user and answers "changed": false. And KurrentDB recognises ids only at
// the expected revision they were first appended with, so a retry deciding
// on a later state would store them twice. So before deciding, the executor
// looks for them and, found, answers with them (API.md: a repeat "returns
// the first response and appends nothing").
type otherAttempt struct {
	after int64 // events up to this version are known not to be the attempt's
	// claimed: this request claimed the key, so another attempt can have
	// stored its events only since this one started, and this process's
	// state shows every event stored since then up to its version (after a
	// lost race, once caught up). Otherwise an earlier attempt may have
	// stored them beyond that version: the state is caught up first.
	claimed bool
}

// knownVersion is the tenant's stream version as this process has it
// committed: a lower bound of where any command claimed now will store its
// events. A tenant this process has not loaded yet is loaded first (else
// the bound would be 0, and a search would read the whole stream).
func (x *executor) knownVersion(ctx context.Context, tenant domain.TenantID) (int64, error) {
	m := x.models.get(tenant)
	defer x.models.release(m)
	if v := m.committed.version.Load(); v > 0 {
		return v, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		err := x.models.load(ctx, tenant, m)
		m.noteRecords()
		if err != nil {
			return 0, err
		}
	}
	return m.state.Version(), nil
}

// earlierAttempt is findOther for a request with an idempotency key; a
// request without one has no earlier attempt.
func (x *executor) earlierAttempt(ctx context.Context, m *writeModel, r *request, attempt int) (Result, bool, error) {
	if r.other == nil {
		return Result{}, false, nil
	}
	return x.findOther(ctx, m, r, attempt)
}

// findOther looks, among the events of the state not searched yet, for
// those another attempt derived from r's key (for the retry of an earlier
// attempt, on its first attempt, the state is caught up first). Found, it
// answers as that attempt would have. The caller holds the tenant's lock.
// It reads the stream only when the state has moved since the last search:
// for a claimant whose tenant was quiet, not at all.
func (x *executor) findOther(ctx context.Context, m *writeModel, r *request, attempt int) (Result, bool, error) {
	tenant := r.env.Tenant
	if !r.other.claimed && attempt == 1 {
		if _, err := x.models.catchUp(ctx, tenant, m); err != nil {
			return Result{}, false, err
		}
	}
	firstID := eventIDs(tenant, r.env.idempotencyName(), 1)[0]
	for r.other.after < m.state.Version() {
		page, err := x.models.store.ReadStream(ctx, domain.TenantStream(tenant), r.other.after, readPage)
		if err != nil {
			return Result{}, false, fmt.Errorf("execution: read %s: %w", domain.TenantStream(tenant), err)
		}
		if len(page) == 0 { // cannot happen: the state was just read from this stream
			return Result{}, false, fmt.Errorf("execution: %s ends before version %d", domain.TenantStream(tenant), m.state.Version())
		}
		for i, rec := range page {
			if rec.ID == firstID {
				return x.otherResult(ctx, m, r, page[i:], len(page) == readPage)
			}
			r.other.after = rec.StreamVersion
		}
	}
	return Result{}, false, nil
}

// otherResult answers with the other attempt's events: those of page (read
// already, from the first of them) and, while more may follow, of the pages
// after it that carry the ids derived from r's key, in order. They are
// stored, so a store out of reach meanwhile leaves the outcome unknown.
func (x *executor) otherResult(ctx context.Context, m *writeModel, r *request, page []eventstore.RecordedEvent, more bool) (Result, bool, error) {
	res, found, err := x.readOtherResult(ctx, m, r, page, more)
	return res, found, eventstore.AfterAppend(err)
}

func (x *executor) readOtherResult(ctx context.Context, m *writeModel, r *request, page []eventstore.RecordedEvent, more bool) (Result, bool, error) {
	before := page[0].StreamVersion - 1
	var (
		stored []eventstore.RecordedEvent
		events []domain.Event
	)
	for {
		ids := eventIDs(r.env.Tenant, r.env.idempotencyName(), len(stored)+len(page))
		for _, rec := range page {
			if rec.ID != ids[len(stored)] {
				more = false
				break
			}
			e, err := decodeEvent(rec)
			if err != nil {
				return Result{}, false, err
			}
			stored, events = append(stored, rec), append(events, e)
		}
		if !more {
			break
		}
		var err error
		if page, err = x.models.store.ReadStream(ctx, domain.TenantStream(r.env.Tenant), before+int64(len(stored)), readPage); err != nil {
			return Result{}, false, fmt.Errorf("execution: read %s: %w", domain.TenantStream(r.env.Tenant), err)
		}
		more = len(page) == readPage
	}
	if stored[len(stored)-1].StreamVersion > m.state.Version() { // it landed after the state was read
		if _, err := x.models.catchUp(ctx, r.env.Tenant, m); err != nil {
			return Result{}, false, err
		}
	}
	r.first, r.at = before+1, stored[0].OccurredAt
	return x.changed(m, r, events, stored[len(stored)-1].Position), true, nil
}
