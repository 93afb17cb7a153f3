package execution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Action is one command of a bulk: the domain command a use case prepared
// (or the reason it could not), what its result shows, and the reason its
// events record.
type Action struct {
	Command domain.Command
	Shown   Shown
	Reason  string
	// Refusal, when set, is why the use case prepared no command: the
	// action is refused as if the domain had refused it.
	Refusal error
}

// ActionOutcome is one action's part of a bulk's result: what it did (or,
// dry, would do), or why it was refused.
type ActionOutcome struct {
	Result  *Result       `json:"result,omitempty"`
	Refusal *domain.Error `json:"refusal,omitempty"`
}

// errTooLarge refuses a bulk of more actions than one append should carry.
var errTooLarge = domain.InvalidField("actions", "a bulk carries at most %d actions", MaxActions)

// MaxActions is the most actions one bulk may carry (API.md).
const MaxActions = 1000

// ExecuteAll carries out actions as one bulk: decided in order, each on the
// state the ones before it left, and stored with one append, so that the
// tenant's invariants hold across the batch exactly as they hold for one
// command (two deactivations cannot leave the tenant without an owner; the
// seats are counted as each action takes one). Atomic: the first refused
// action refuses the whole bulk (Result.Refused names it) and nothing is
// stored. Not atomic: a refused action is skipped, and the others are
// carried out as if, one after the other, each had been sent alone.
// Result.Actions holds each action's outcome, in order; Changed is whether
// any action changed anything. With Envelope.DryRun nothing is stored.
func (r *Run) ExecuteAll(ctx context.Context, actions []Action, atomic bool) {
	if len(actions) > MaxActions {
		r.res, r.err = Result{}, errTooLarge
	} else {
		r.res, r.err = r.engine.exec.executeAll(ctx, r.env, actions, atomic)
	}
	var results []*Result
	for _, o := range r.res.Actions {
		if o.Result != nil {
			results = append(results, o.Result)
		}
	}
	if r.err == nil {
		if err := r.engine.countSessions(ctx, r.env.Tenant, results...); err != nil {
			r.err = countFailure(r.res, err)
		}
	}
	r.pending, r.carried = false, true
}

// bulkPlan is a bulk decided on a copy of the tenant's state.
type bulkPlan struct {
	after    *domain.Tenant // the copy, with every decided event applied
	events   []domain.Event
	encoded  []eventstore.NewEvent
	outcomes []ActionOutcome
	refused  *int // an atomic bulk's refused action
}

// executeAll decides the actions on a copy of the tenant's state and, when
// anything is to be stored, appends every event at once with the version
// the copy was taken at; a conflict catches the state up and decides again.
// A bulk that stores nothing (a dry run, a refusal, nothing to do) is
// settled only once the state it was decided on is the stream's tail.
func (x *executor) executeAll(ctx context.Context, env Envelope, actions []Action, atomic bool) (Result, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	m, unlock, err := x.models.lockCurrent(ctx, env.Tenant)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	for attempt := 1; ; attempt++ {
		plan, err := x.decideAll(m.state, env, actions, atomic)
		if err != nil && !errors.Is(err, ErrSessionEnded) {
			return Result{}, err
		}
		if err != nil || env.DryRun || plan.refused != nil || len(plan.events) == 0 {
			newer, cerr := x.models.catchUp(ctx, env.Tenant, m)
			switch {
			case cerr != nil:
				return Result{}, cerr
			case newer > 0 && attempt < x.maxAttempts:
				continue
			case err != nil:
				return Result{}, err
			}
			return plan.result(m.position, env.DryRun), nil
		}
		before := m.state.Version()
		stored, err := x.append(ctx, env.Tenant, before, plan.encoded, &request{env: env})
		if errors.Is(err, eventstore.ErrVersionConflict) && attempt < x.maxAttempts {
			if err := backOff(ctx, attempt); err != nil {
				return Result{}, err
			}
			if _, err := x.models.catchUp(ctx, env.Tenant, m); err != nil {
				return Result{}, err
			}
			continue
		}
		if err != nil {
			return Result{}, sessionError(err)
		}
		if stored.StreamVersion != before+int64(len(plan.events)) {
			return Result{}, fmt.Errorf("execution: %s: a bulk of %d events stored at version %d, after %d", env.Tenant, len(plan.events), stored.StreamVersion, before)
		}
		plan.after.Adopt() // the cached state it was forked from is dropped
		m.state, m.position = plan.after, stored.Position
		m.committed.publish(m.state, plan.events)
		x.models.maybeSnapshot(env.Tenant, m)
		res := plan.result(stored.Position, false)
		res.SessionChecked = env.Session != nil
		return res, nil
	}
}

// decideAll decides each action in turn on a copy of s (which it leaves as
// it is), applying its events to the copy.
func (x *executor) decideAll(s *domain.Tenant, env Envelope, actions []Action, atomic bool) (plan bulkPlan, err error) {
	defer func() {
		if p := recover(); p != nil { // in the copy: the cache is untouched
			plan, err = bulkPlan{}, fmt.Errorf("execution: panic in a bulk: %v", p)
		}
	}()
	if !sessionHolds(s, env.Session) {
		return bulkPlan{}, ErrSessionEnded
	}
	plan = bulkPlan{after: s.Fork(), outcomes: make([]ActionOutcome, len(actions))}
	now := x.clock().Truncate(time.Microsecond) // as stored: Result.At must equal what is read back
	for i, a := range actions {
		refusal := a.Refusal
		if refusal == nil {
			// Each action's reason goes into its events' metadata, as an
			// envelope's does: the same rule (validateEnvelope).
			refusal = domain.ReasonText.Check(fmt.Sprintf("actions.%d.reason", i), a.Reason)
		}
		var events []domain.Event
		if refusal == nil {
			events, refusal = domain.Decide(plan.after, a.Command)
		}
		if refusal != nil {
			var known *domain.Error
			if !errors.As(refusal, &known) {
				return bulkPlan{}, refusal // not a refusal: a failure of the service
			}
			plan.outcomes[i].Refusal = known
			if atomic {
				plan.refused = &i
				return plan, nil
			}
			continue
		}
		res := Result{Version: plan.after.Version(), DryRun: env.DryRun}
		if len(events) > 0 {
			meta := domain.Metadata{Tenant: env.Tenant, Actor: domain.ActorOf(a.Command), Reason: a.Reason,
				CorrelationID: env.CorrelationID, CausationID: env.CausationID}
			encoded, err := encodeEvents(events, meta, "", now)
			if err != nil {
				return bulkPlan{}, err
			}
			res = Result{Changed: true, Events: eventTypes(events), First: plan.after.Version() + 1, At: now,
				Consequences: apply(plan.after, events), Version: plan.after.Version(), DryRun: env.DryRun}
			if env.DryRun {
				res.previewed = events
			}
			plan.events = append(plan.events, events...)
			plan.encoded = append(plan.encoded, encoded...)
		}
		a.Shown.fill(plan.after, events, &res)
		plan.outcomes[i].Result = &res
	}
	return plan, nil
}

// result is the bulk's result, its events (if any) stored at position.
func (p bulkPlan) result(position eventstore.Position, dry bool) Result {
	res := Result{Position: position, Actions: p.outcomes, Refused: p.refused, DryRun: dry}
	if p.refused != nil {
		return res
	}
	res.Version = p.after.Version()
	for _, o := range p.outcomes {
		if o.Result != nil {
			o.Result.Position = position
			res.Changed = res.Changed || o.Result.Changed
		}
	}
	return res
}
