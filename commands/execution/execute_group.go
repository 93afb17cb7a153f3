package execution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// executeGroup carries out several commands of one tenant with one append:
// each is decided on the state left by the ones before it (applied to the
// cache at once), and all their events are appended together with the
// version the first was decided on. If that append lands, every decision in
// the batch — refusals and no-ops included — was made on the latest state.
// If another process appended first, the cache holds decisions that never
// happened, so it is reloaded, and the batch's commands are carried out one
// by one: each then retries on its own with a cheap catch-up, where retrying
// the whole group would reload the tenant on every conflict and, against a
// busy second process, lose every time.
func (x *executor) executeGroup(ctx context.Context, tenant domain.TenantID, m *writeModel, batch []*request) {
	for attempt := 1; ; attempt++ {
		before := m.state.Version()
		events, err := x.decideGroup(m, batch)
		if err == nil && len(events) == 0 {
			if x.settleUnchanged(ctx, tenant, m, batch, attempt) {
				return
			}
			continue
		}
		var stored eventstore.AppendResult
		if err == nil {
			stored, err = x.append(ctx, tenant, before, events, appending(batch)...)
		}
		if err != nil {
			m.state = nil
			// A conflict, or one request's ended session: each request on
			// its own then meets its own outcome.
			if errors.Is(err, eventstore.ErrVersionConflict) || errors.Is(err, eventstore.ErrSessionNotLive) {
				x.executeEach(ctx, tenant, m, batch)
				return
			}
			failAll(batch, fmt.Errorf("execution: %s: batch of %d: %w", tenant, len(batch), err))
			return
		}
		m.position = stored.Position
		for _, r := range batch {
			m.committed.publish(m.state, r.events)
		}
		x.models.maybeSnapshot(tenant, m)
		x.finishGroup(m, batch, stored.Position)
		return
	}
}

// executeEach reloads the dropped cache and carries out the batch's commands
// one at a time, in order.
func (x *executor) executeEach(ctx context.Context, tenant domain.TenantID, m *writeModel, batch []*request) {
	for _, r := range batch {
		if m.state == nil { // dropped by the conflict, or by a failed read since
			if err := x.models.load(ctx, tenant, m); err != nil {
				r.finish(Result{}, err)
				continue
			}
		}
		r.events, r.consequences, r.err = nil, nil, nil
		r.finish(x.executeOne(ctx, m, r))
	}
}

// decideGroup decides each request in turn, applying its events to the
// cache, and returns every event to append. Refusals are kept per request.
func (x *executor) decideGroup(m *writeModel, batch []*request) ([]eventstore.NewEvent, error) {
	var all []eventstore.NewEvent
	now := x.clock().Truncate(time.Microsecond) // as stored: Result.At must equal what is read back
	for _, r := range batch {
		if !sessionHolds(m.state, r.env.Session) { // settled like a refusal: final once the state is known current
			r.events, r.err = nil, ErrSessionEnded
			continue
		}
		r.events, r.err = domain.Decide(m.state, r.cmd)
		if r.err != nil || len(r.events) == 0 {
			continue
		}
		encoded, err := encodeEvents(r.events, metadataOf(r), "", now)
		if err != nil {
			return nil, err
		}
		r.first, r.at = m.state.Version()+1, now
		all = append(all, encoded...)
		r.consequences = apply(m.state, r.events)
	}
	return all, nil
}

// settleUnchanged answers a batch that appended nothing, once the cache is
// known to be current; it reports false when newer events call for deciding
// again.
func (x *executor) settleUnchanged(ctx context.Context, tenant domain.TenantID, m *writeModel, batch []*request, attempt int) bool {
	newer, err := x.models.catchUp(ctx, tenant, m)
	if err != nil {
		failAll(batch, err)
		return true
	}
	if newer > 0 && attempt < x.maxAttempts {
		return false
	}
	x.finishGroup(m, batch, m.position)
	return true
}

func (x *executor) finishGroup(m *writeModel, batch []*request, at eventstore.Position) {
	for _, r := range batch {
		switch {
		case r.err != nil:
			r.finish(Result{}, r.err)
		case len(r.events) == 0:
			r.finish(x.unchanged(m, r.shown, at), nil)
		default:
			res := x.changed(m, r, r.events, at)
			res.SessionChecked = r.env.Session != nil
			r.finish(res, nil)
		}
	}
}

// appending returns the requests of batch that decided events.
func appending(batch []*request) []*request {
	var out []*request
	for _, r := range batch {
		if len(r.events) > 0 {
			out = append(out, r)
		}
	}
	return out
}
