package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// executor is the one path every command takes.
type executor struct {
	models      *writeModels
	clock       func() time.Time
	maxAttempts int
}

// execute loads the tenant's write model, decides, and appends with the
// expected version, retrying the whole cycle on a version conflict (and only
// then) up to maxAttempts times. A refusal or a no-op is first re-checked
// against events other processes may have appended since the cache was
// current, so that neither is ever decided on a stale state.
func (x *executor) execute(ctx context.Context, env Envelope, cmd domain.Command, describe describer) (Result, error) {
	m := x.models.lock(env.Tenant)
	defer m.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			m.state = nil // a half-applied Evolve must not stay cached
			panic(p)
		}
	}()
	if m.state == nil {
		if err := x.models.load(ctx, env.Tenant, m); err != nil {
			return Result{}, err
		}
	}
	for attempt := 1; ; attempt++ {
		events, refusal := domain.Decide(m.state, cmd)
		if refusal != nil || len(events) == 0 {
			newer, err := x.models.catchUp(ctx, env.Tenant, m)
			if err != nil {
				return Result{}, err
			}
			if newer > 0 && attempt < x.maxAttempts {
				continue
			}
			if refusal != nil {
				return Result{}, refusal
			}
			return x.unchanged(m, describe), nil
		}
		res, err := x.append(ctx, env, m, cmd, events, describe)
		if !errors.Is(err, eventstore.ErrVersionConflict) {
			return res, err
		}
		if attempt == x.maxAttempts {
			return Result{}, fmt.Errorf("commands: %s: still conflicting after %d attempts: %w", env.Tenant, attempt, err)
		}
		if _, err := x.models.catchUp(ctx, env.Tenant, m); err != nil {
			return Result{}, err
		}
	}
}

func (x *executor) unchanged(m *writeModel, describe describer) Result {
	r := Result{Position: m.position, Version: m.state.Version()}
	describe(m.state, &r)
	return r
}

// append stores the decided events and brings the cached state up to them.
func (x *executor) append(ctx context.Context, env Envelope, m *writeModel, cmd domain.Command, events []domain.Event, describe describer) (Result, error) {
	meta := domain.Metadata{Tenant: env.Tenant, Actor: domain.ActorOf(cmd), Reason: env.Reason,
		CorrelationID: env.CorrelationID, CausationID: env.CausationID}
	batch, err := encodeEvents(events, meta, env.IdempotencyKey, x.clock())
	if err != nil {
		return Result{}, err
	}
	before := m.state.Version()
	stored, err := x.models.store.Append(ctx, StreamOf(env.Tenant), eventstore.Exact(before), batch)
	if err != nil {
		return Result{}, err
	}
	// A request with an idempotency key may be a retry whose events were
	// stored by its first attempt; the store then answers for those, so the
	// state is taken from the stream rather than from this attempt's decision.
	if env.IdempotencyKey == "" && stored.StreamVersion == before+int64(len(events)) {
		for _, e := range events {
			domain.Evolve(m.state, e)
		}
		m.position = stored.Position
	} else if _, err := x.models.catchUp(ctx, env.Tenant, m); err != nil {
		return Result{}, err
	}
	x.models.maybeSnapshot(env.Tenant, m)
	r := Result{Changed: true, Position: stored.Position, Version: m.state.Version(), Events: eventTypes(events), decided: events}
	describe(m.state, &r)
	return r, nil
}

func eventTypes(events []domain.Event) []string {
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.EventType()
	}
	return types
}
