package commands

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// batchTimeout bounds one batch's work. A batch runs detached from the
// caller that happens to carry it out, so that one client going away does
// not fail the others' commands.
const batchTimeout = 30 * time.Second

// executor is the one path every command takes.
type executor struct {
	models      *writeModels
	clock       func() time.Time
	maxAttempts int
}

// execute queues the command behind its tenant's lock; whoever holds the
// lock carries out everything queued (see requestQueue), so when this call
// gets the lock its command may already be done.
//
// other, for a request with an idempotency key, says where another attempt
// of it may have stored its events (see otherAttempt).
func (x *executor) execute(ctx context.Context, env Envelope, cmd domain.Command, describe describer, other *otherAttempt) (Result, error) {
	r := &request{env: env, cmd: cmd, describe: describe, alone: env.IdempotencyKey != "", other: other}
	m := x.models.get(env.Tenant)
	m.queue.push(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	for !r.done {
		batch := m.queue.take()
		if len(batch) == 0 { // unreachable: r is queued until someone finishes it
			r.finish(Result{}, errors.New("commands: a queued command was lost"))
			break
		}
		x.carryOut(ctx, env.Tenant, m, batch)
	}
	return r.res, r.err
}

func (x *executor) carryOut(ctx context.Context, tenant domain.TenantID, m *writeModel, batch []*request) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			m.state = nil // a half-applied Evolve must not stay cached
			for _, r := range batch {
				if !r.done {
					r.finish(Result{}, fmt.Errorf("commands: panic: %v", p))
				}
			}
			panic(p)
		}
	}()
	if m.state == nil {
		if err := x.models.load(ctx, tenant, m); err != nil {
			failAll(batch, err)
			return
		}
	}
	if len(batch) == 1 {
		batch[0].finish(x.executeOne(ctx, m, batch[0]))
		return
	}
	x.executeGroup(ctx, tenant, m, batch)
}

func failAll(batch []*request, err error) {
	for _, r := range batch {
		r.finish(Result{}, err)
	}
}

// executeOne decides and appends one command with the expected version,
// retrying the whole cycle on a version conflict (and only then) up to
// maxAttempts times. A refusal or a no-op is first re-checked against events
// other processes may have appended since the cache was current, so that
// neither is ever decided on a stale state.
func (x *executor) executeOne(ctx context.Context, m *writeModel, r *request) (Result, error) {
	tenant := r.env.Tenant
	for attempt := 1; ; attempt++ {
		if r.other != nil {
			if res, found, err := x.findOther(ctx, m, r, attempt); err != nil || found {
				return res, err
			}
		}
		events, refusal := domain.Decide(m.state, r.cmd)
		ended := !sessionHolds(m.state, r.env.Session)
		if ended || refusal != nil || len(events) == 0 {
			newer, err := x.models.catchUp(ctx, tenant, m)
			if err != nil {
				return Result{}, err
			}
			if newer > 0 && attempt < x.maxAttempts {
				continue
			}
			if ended {
				return Result{}, ErrSessionEnded
			}
			if refusal != nil {
				return Result{}, refusal
			}
			return x.unchanged(m, r.describe, m.position), nil
		}
		res, err := x.appendOne(ctx, m, r, events)
		if !errors.Is(err, eventstore.ErrVersionConflict) {
			return res, err
		}
		if attempt == x.maxAttempts {
			return Result{}, fmt.Errorf("commands: %s: still conflicting after %d attempts: %w", tenant, attempt, err)
		}
		if err := backOff(ctx, attempt); err != nil {
			return Result{}, err
		}
		if _, err := x.models.catchUp(ctx, tenant, m); err != nil {
			return Result{}, err
		}
	}
}

func (x *executor) unchanged(m *writeModel, describe describer, at eventstore.Position) Result {
	r := Result{Position: at, Version: m.state.Version()}
	describe(m.state, &r)
	return r
}

// appendOne stores one command's events and brings the cached state up to them.
func (x *executor) appendOne(ctx context.Context, m *writeModel, r *request, events []domain.Event) (Result, error) {
	now := x.clock().Truncate(time.Microsecond) // as stored: Result.At must equal what is read back
	batch, err := encodeEvents(events, metadataOf(r), r.env.idempotencyName(), now)
	if err != nil {
		return Result{}, err
	}
	before := m.state.Version()
	r.first, r.at = before+1, now
	stored, err := x.models.store.Append(guarded(ctx, r), StreamOf(r.env.Tenant), eventstore.Exact(before), batch)
	if err != nil {
		return Result{}, sessionError(err)
	}
	// A request with an idempotency key may be a retry whose events were
	// stored by its first attempt; the store then answers for those, so the
	// state is taken from the stream rather than from this attempt's decision.
	if r.env.IdempotencyKey == "" && stored.StreamVersion == before+int64(len(events)) {
		for _, e := range events {
			domain.Evolve(m.state, e)
		}
		m.position = stored.Position
		m.committed.publish(m.state, events)
	} else {
		// The events were stored by an earlier attempt, at an instant not
		// known here: readers of At must look it up.
		r.first, r.at = stored.StreamVersion-int64(len(events))+1, time.Time{}
		if _, err := x.models.catchUp(ctx, r.env.Tenant, m); err != nil {
			return Result{}, eventstore.AfterAppend(err) // stored: never "nothing was stored"
		}
	}
	x.models.maybeSnapshot(r.env.Tenant, m)
	res := x.changed(m, r, events, stored.Position)
	res.SessionChecked = r.env.Session != nil
	return res, nil
}

func (x *executor) changed(m *writeModel, r *request, events []domain.Event, at eventstore.Position) Result {
	res := Result{Changed: true, Position: at, Version: m.state.Version(), Events: eventTypes(events),
		First: r.first, At: r.at, decided: events}
	r.describe(m.state, &res)
	return res
}

func metadataOf(r *request) domain.Metadata {
	return domain.Metadata{Tenant: r.env.Tenant, Actor: domain.ActorOf(r.cmd), Reason: r.env.Reason,
		CorrelationID: r.env.CorrelationID, CausationID: r.env.CausationID}
}

func eventTypes(events []domain.Event) []string {
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.EventType()
	}
	return types
}

// backOff waits a random while, growing with attempt (up to 1 ms << attempt,
// at most 50 ms), after a version conflict: processes that append to one
// tenant at once would otherwise retry in lockstep and collide again, each
// losing to the other until the attempts run out.
func backOff(ctx context.Context, attempt int) error {
	ceiling := min(time.Millisecond<<attempt, 50*time.Millisecond)
	timer := time.NewTimer(rand.N(ceiling))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
