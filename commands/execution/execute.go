package execution

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/domain"
)

// batchTimeout bounds one batch's work. A batch runs detached from the
// caller that happens to carry it out, so that one client going away does
// not fail the others' commands.
const batchTimeout = 30 * time.Second

// executor is the one path every command takes.
type executor struct {
	models      *writeModels
	guard       eventstore.SessionGuard // nil: commands may not carry session checks
	clock       func() time.Time
	maxAttempts int
}

// execute queues the command behind its tenant's lock; whoever holds the
// lock carries out everything queued (see requestQueue), so when this call
// gets the lock its command may already be done.
//
// other, for a request with an idempotency key, says where another attempt
// of it may have stored its events (see otherAttempt).
func (x *executor) execute(ctx context.Context, env Envelope, cmd domain.Command, shown Shown, other *otherAttempt) (Result, error) {
	r := &request{env: env, cmd: cmd, shown: shown, alone: env.IdempotencyKey != "", other: other}
	m := x.models.get(env.Tenant)
	defer x.models.release(m)
	m.queue.push(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	for !r.done {
		batch := m.queue.take()
		if len(batch) == 0 { // unreachable: r is queued until someone finishes it
			r.finish(Result{}, errors.New("execution: a queued command was lost"))
			break
		}
		x.carryOut(ctx, env.Tenant, m, batch)
		m.noteRecords()
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
					r.finish(Result{}, fmt.Errorf("execution: panic: %v", p))
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

// executeOne carries out one command, attempt after attempt until one
// settles it: a version conflict (and only that) calls for another, up to
// maxAttempts.
func (x *executor) executeOne(ctx context.Context, m *writeModel, r *request) (Result, error) {
	for attempt := 1; ; attempt++ {
		if res, settled, err := x.attemptOne(ctx, m, r, attempt); settled || err != nil {
			return res, err
		}
	}
}

// attemptOne is one attempt, in three named steps: decide on the current
// state; re-check a decision that stores nothing (a refusal, a no-op, an
// ended session) against the stream's tail, so that none is ever made on a
// stale cache; append with retry. A keyed request first looks for the
// events an earlier attempt of it stored. It reports false (not settled)
// when the command must be decided again, on a state caught up meanwhile.
func (x *executor) attemptOne(ctx context.Context, m *writeModel, r *request, attempt int) (Result, bool, error) {
	if res, found, err := x.earlierAttempt(ctx, m, r, attempt); err != nil || found {
		return res, true, err
	}
	d := decideOnCurrentState(m.state, r)
	if !d.appends() {
		return x.recheckAgainstTail(ctx, m, r, d, attempt)
	}
	return x.appendWithRetry(ctx, m, r, d.events, attempt)
}

// decision is what a command decided on the cached state.
type decision struct {
	events  []domain.Event
	refusal error
	ended   bool // the request's session is no longer good on that state
}

// appends reports whether the decision stores events.
func (d decision) appends() bool { return !d.ended && d.refusal == nil && len(d.events) > 0 }

// decideOnCurrentState decides r's command on s, and checks r's session.
func decideOnCurrentState(s *domain.Tenant, r *request) decision {
	events, refusal := domain.Decide(s, r.cmd)
	return decision{events: events, refusal: refusal, ended: !sessionHolds(s, r.env.Session)}
}

// recheckAgainstTail settles a decision that stores nothing once the state
// it was made on is known to be the stream's tail: if other processes
// appended since the cache was current, the command is decided again
// (settled false) while attempts remain.
func (x *executor) recheckAgainstTail(ctx context.Context, m *writeModel, r *request, d decision, attempt int) (Result, bool, error) {
	newer, err := x.models.catchUp(ctx, r.env.Tenant, m)
	switch {
	case err != nil:
		return Result{}, true, err
	case newer > 0 && attempt < x.maxAttempts:
		return Result{}, false, nil
	case d.ended:
		return Result{}, true, ErrSessionEnded
	case d.refusal != nil:
		return Result{}, true, d.refusal
	}
	return x.unchanged(m, r.shown, m.position), true, nil
}

// appendWithRetry appends the decided events with the expected version.
// A version conflict backs off and catches the state up, for the command to
// be decided again (settled false), unless the attempts are spent.
func (x *executor) appendWithRetry(ctx context.Context, m *writeModel, r *request, events []domain.Event, attempt int) (Result, bool, error) {
	res, err := x.appendOne(ctx, m, r, events)
	if !errors.Is(err, eventstore.ErrVersionConflict) {
		return res, true, err
	}
	if attempt == x.maxAttempts {
		return Result{}, true, fmt.Errorf("execution: %s: still conflicting after %d attempts: %w", r.env.Tenant, attempt, err)
	}
	if err := backOff(ctx, attempt); err != nil {
		return Result{}, true, err
	}
	if _, err := x.models.catchUp(ctx, r.env.Tenant, m); err != nil {
		return Result{}, true, err
	}
	return Result{}, false, nil
}

func (x *executor) unchanged(m *writeModel, shown Shown, at eventstore.Position) Result {
	r := Result{Position: at, Version: m.state.Version()}
	shown.fill(m.state, nil, &r)
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
	stored, err := x.append(ctx, r.env.Tenant, before, batch, r)
	if err != nil {
		return Result{}, sessionError(err)
	}
	// A request with an idempotency key may be a retry whose events were
	// stored by its first attempt; the store then answers for those, so the
	// state is taken from the stream rather than from this attempt's decision.
	if r.env.IdempotencyKey == "" && stored.StreamVersion == before+int64(len(events)) {
		r.consequences = apply(m.state, events)
		m.position = stored.Position
		m.committed.publish(m.state, events)
	} else {
		// The events were stored by an earlier attempt, at an instant not
		// known here: readers of At must look it up.
		r.first, r.at = stored.StreamVersion-int64(len(events))+1, time.Time{}
		impact := domain.MeasureImpact(m.state, events)
		if _, err := x.models.catchUp(ctx, r.env.Tenant, m); err != nil {
			return Result{}, eventstore.AfterAppend(err) // stored: never "nothing was stored"
		}
		r.consequences = impact.Consequences(m.state)
	}
	x.models.maybeSnapshot(r.env.Tenant, m)
	res := x.changed(m, r, events, stored.Position)
	res.SessionChecked = r.env.Session != nil
	return res, nil
}

func (x *executor) changed(m *writeModel, r *request, events []domain.Event, at eventstore.Position) Result {
	res := Result{Changed: true, Position: at, Version: m.state.Version(), Events: eventTypes(events),
		First: r.first, At: r.at, Consequences: r.consequences}
	r.shown.fill(m.state, events, &res)
	return res
}

// apply applies a command's events to s and returns their consequences.
func apply(s *domain.Tenant, events []domain.Event) []domain.Consequence {
	impact := domain.MeasureImpact(s, events)
	for _, e := range events {
		domain.Evolve(s, e)
	}
	return impact.Consequences(s)
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
	return pause.For(ctx, rand.N(ceiling))
}
