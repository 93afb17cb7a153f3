package execution

import (
	"context"
	"errors"
	"time"
	"unicode"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Run is one request on its way through the engine, in three calls made in
// order by the use case that carries it: Begin checks the envelope and
// claims the request's Idempotency-Key (or finds the outcome the key has
// already, so that nothing is left to do: Pending is false); Execute carries
// the use case's domain command out (or Refuse records why the use case
// could not prepare one); End records the outcome for the key, logs it, and
// answers. The use case runs between Begin and Execute, so that what it
// spends preparing a command (a password's hash) is never spent on a repeat.
type Run struct {
	engine  *Engine
	useCase string
	env     Envelope
	started time.Time
	// other is set once a keyed request has claimed its key, or found it
	// claimed by an earlier attempt that recorded no outcome (see
	// otherAttempt); carried says the outcome then came from this run.
	other   *otherAttempt
	carried bool
	pending bool
	res     Result
	err     error
}

// Begin starts a request of useCase whose input (the use case's own, whose
// JSON fingerprints a keyed request) is input.
func (e *Engine) Begin(ctx context.Context, useCase string, env Envelope, input any) *Run {
	r := &Run{engine: e, useCase: useCase, env: env, started: time.Now()}
	if r.err = validateEnvelope(env); r.err != nil || env.IdempotencyKey == "" || env.DryRun {
		r.pending = r.err == nil
		return r
	}
	r.other, r.res, r.err = e.idem.claim(ctx, e.exec, useCase, env, input)
	r.pending = r.other != nil && r.err == nil
	return r
}

// Pending reports whether the request is still to be carried out: false
// once Begin refused it, or found the outcome its key already has.
func (r *Run) Pending() bool { return r.pending }

// Execute carries cmd out, the result showing what shown names, from the
// state after it.
func (r *Run) Execute(ctx context.Context, cmd domain.Command, shown Shown) {
	if r.env.DryRun {
		r.res, r.err = r.engine.exec.preview(ctx, r.env, cmd, shown)
	} else {
		r.res, r.err = r.engine.exec.execute(ctx, r.env, cmd, shown, r.other)
	}
	if r.err == nil {
		if err := r.engine.countSessions(ctx, r.env.Tenant, &r.res); err != nil {
			r.err = countFailure(r.res, err)
		}
	}
	r.pending, r.carried = false, true
}

// countFailure is the answer to a command whose sessions could not be
// counted: stored already (when it changed anything), so the answer must
// never say that nothing was.
func countFailure(res Result, err error) error {
	if res.Changed && !res.DryRun {
		return eventstore.AfterAppend(err)
	}
	return err
}

// Refuse ends the request with err, the use case's reason for carrying out
// nothing (a refusal is recorded as a keyed request's outcome).
func (r *Run) Refuse(err error) {
	r.res, r.err = Result{}, err
	r.pending, r.carried = false, true
}

// End answers the request. Refusals are *domain.Error values, among them
// "unavailable" (the database or event store could not be reached; nothing
// was stored) and "outcome_unknown" (the command was sent and may have been
// stored; see eventstore.OutageError); any other error is internal.
func (r *Run) End(ctx context.Context) (Result, error) {
	if r.carried && r.other != nil {
		r.res, r.err = r.engine.idem.complete(ctx, r.env, r.other, r.res, r.err)
	}
	r.engine.logged(r.useCase, r.env, r.res, r.err, time.Since(r.started)) // with the outage's cause
	return r.res, eventstore.OutageError(r.err, r.env.IdempotencyKey != "")
}

// maxIdempotencyKey is API.md's limit on Idempotency-Key.
const maxIdempotencyKey = 128

// validateEnvelope checks what the envelope puts into every event's
// metadata: the tenant, and the reason by the domain's rule for reasons
// (the same as for the reasons commands carry). The Idempotency-Key is
// API.md's: 1–128 printable ASCII characters.
func validateEnvelope(env Envelope) error {
	if err := env.Tenant.Check("tenant"); err != nil {
		return err
	}
	if err := domain.ReasonText.Check("reason", env.Reason); err != nil {
		return err
	}
	if len(env.IdempotencyKey) > maxIdempotencyKey {
		return domain.InvalidField("Idempotency-Key", "Idempotency-Key must be at most %d characters", maxIdempotencyKey)
	}
	for _, r := range env.IdempotencyKey {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return domain.InvalidField("Idempotency-Key", "Idempotency-Key must be printable ASCII")
		}
	}
	return nil
}

// logged is the logging decorator, applied once for every use case. It logs
// what happened, never the command's content (which holds personal data).
func (e *Engine) logged(useCase string, env Envelope, res Result, err error, took time.Duration) {
	attrs := []any{"use_case", useCase, "tenant", env.Tenant, "took", took, "request_id", env.CausationID}
	var refusal *domain.Error
	switch {
	case err == nil:
		e.log.Info("command", append(attrs, "changed", res.Changed, "events", len(res.Events), "replayed", res.Replayed)...)
	case errors.As(err, &refusal):
		e.log.Info("command refused", append(attrs, "code", refusal.Code)...)
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, eventstore.ErrOutcomeUnknown):
		// An outage, not a fault of ours: answered 503, logged with its cause.
		e.log.Warn("command not carried out: the store could not be reached",
			append(attrs, "code", domain.CodeOf(eventstore.OutageError(err, false)), "error", err)...)
	default:
		e.log.Error("command failed", append(attrs, "error", err)...)
	}
}
