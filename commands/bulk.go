package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
)

// Bulk carries out many actions at once (POST /v1/tenants/{tenant}/bulk):
// each is a use case's input, prepared by that use case exactly as when it
// is sent alone, and all are decided in order on one state and stored with
// one append (execution.Run.ExecuteAll). Atomic: all or nothing.
type Bulk struct {
	Atomic bool
	// DryRun previews the bulk, as Envelope.DryRun does.
	DryRun  bool
	Actions []BulkAction
}

// BulkAction is one action of a Bulk; Handler.InBulk makes one.
type BulkAction struct {
	UseCase string
	Input   any    // the use case's input: what a keyed bulk's fingerprint covers
	Reason  string // recorded with the action's events
	prepare func(ctx context.Context, env execution.Envelope) execution.Action
}

// InBulk binds in to h's use case as one action of a bulk, whose events
// record reason.
func (h Handler[In]) InBulk(in In, reason string) BulkAction {
	return BulkAction{UseCase: h.useCase, Input: in, Reason: reason,
		prepare: func(ctx context.Context, env execution.Envelope) execution.Action {
			cmd, shown, err := h.prepare(ctx, env, in)
			return execution.Action{Command: cmd, Shown: shown, Reason: reason, Refusal: err}
		}}
}

// BulkHandler carries out bulks.
type BulkHandler struct{ engine *execution.Engine }

// Handle carries out the bulk in: the engine begins the request (claiming
// its Idempotency-Key, if any), each use case prepares its action (a
// refusal to prepare one is that action's refusal), the engine executes them
// all and ends the request.
func (b BulkHandler) Handle(ctx context.Context, env execution.Envelope, in Bulk) (execution.Result, error) {
	env.DryRun = env.DryRun || in.DryRun
	run := b.engine.Begin(ctx, "bulk", env, in)
	if run.Pending() {
		actions := make([]execution.Action, len(in.Actions))
		for i, a := range in.Actions {
			actions[i] = a.prepare(ctx, env)
		}
		run.ExecuteAll(ctx, actions, in.Atomic)
	}
	return run.End(ctx)
}
