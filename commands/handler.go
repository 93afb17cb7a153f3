package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// Handler carries out one use case, whose input is In.
type Handler[In any] struct {
	useCase string
	prepare prepareFunc[In]
	engine  *execution.Engine
}

// prepareFunc turns a use case's input into a domain command (stamping
// instants, generating ids, hashing secrets) and names what the reply shows.
type prepareFunc[In any] func(ctx context.Context, env execution.Envelope, in In) (domain.Command, execution.Shown, error)

// handler builds a Handler from its use-case name and preparation.
func handler[In any](engine *execution.Engine, useCase string, prepare prepareFunc[In]) Handler[In] {
	return Handler[In]{useCase: useCase, prepare: prepare, engine: engine}
}

// Handle carries out the use case for in: the engine begins the request
// (checks its envelope, claims its Idempotency-Key), the use case prepares
// its domain command (only when there is something left to do: a repeat of
// a keyed request is answered with its first outcome, having spent nothing),
// the engine executes it and ends the request. Each step hands on to the
// engine and is returned to: the engine never calls back into a use case.
//
// Refusals are *domain.Error values, among them "unavailable" (the database
// or event store could not be reached; nothing was stored) and
// "outcome_unknown" (the command was sent and may have been stored; see
// eventstore.OutageError); any other error is internal.
func (h Handler[In]) Handle(ctx context.Context, env execution.Envelope, in In) (execution.Result, error) {
	run := h.engine.Begin(ctx, h.useCase, env, in)
	if run.Pending() {
		if cmd, shown, err := h.prepare(ctx, env, in); err != nil {
			run.Refuse(err)
		} else {
			run.Execute(ctx, cmd, shown)
		}
	}
	return run.End(ctx)
}

// tenantWide is the preparation of a tenant-wide command that needs nothing
// added: the command as it came, and a reply showing the tenant.
func tenantWide[C domain.Command](_ context.Context, _ execution.Envelope, in C) (domain.Command, execution.Shown, error) {
	return in, execution.Shown{Tenant: true}, nil
}
