package commands

import (
	"context"
	"errors"
	"log/slog"
	"time"
	"unicode"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Handler carries out one use case, whose input is In.
type Handler[In any] struct {
	useCase string
	prepare prepareFunc[In]
	p       *pipeline
}

// prepareFunc turns a use case's input into a domain command (stamping
// instants, generating ids, hashing secrets) and names what to describe.
type prepareFunc[In any] func(ctx context.Context, env Envelope, in In) (domain.Command, describer, error)

// Handle carries out the use case for in. Refusals are *domain.Error values,
// among them "unavailable" (the database or event store could not be
// reached; nothing was stored) and "outcome_unknown" (the command was sent
// and may have been stored; see OutageError); any other error is internal.
func (h Handler[In]) Handle(ctx context.Context, env Envelope, in In) (Result, error) {
	started := time.Now()
	res, err := h.handle(ctx, env, in)
	h.p.logged(h.useCase, env, res, err, time.Since(started)) // with the outage's cause
	return res, OutageError(err, env.IdempotencyKey != "")
}

func (h Handler[In]) handle(ctx context.Context, env Envelope, in In) (Result, error) {
	if err := validateEnvelope(env); err != nil {
		return Result{}, err
	}
	run := func(other *otherAttempt) (Result, error) {
		cmd, describe, err := h.prepare(ctx, env, in)
		if err != nil {
			return Result{}, err
		}
		return h.p.exec.execute(ctx, env, cmd, describe, other)
	}
	if env.IdempotencyKey == "" {
		return run(nil)
	}
	print, err := fingerprint(h.useCase, in)
	if err != nil {
		return Result{}, err
	}
	after, err := h.p.exec.knownVersion(ctx, env.Tenant)
	if err != nil {
		return Result{}, err
	}
	return h.p.idem.run(ctx, env, print, after, run)
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

// pipeline is what all handlers share: the executor, idempotency, logging.
type pipeline struct {
	exec *executor
	idem idempotent
	log  *slog.Logger
}

// logged is the logging decorator, applied once for every use case. It logs
// what happened, never the command's content (which holds personal data).
func (p *pipeline) logged(useCase string, env Envelope, res Result, err error, took time.Duration) {
	attrs := []any{"use_case", useCase, "tenant", env.Tenant, "took", took, "request_id", env.CausationID}
	var refusal *domain.Error
	switch {
	case err == nil:
		p.log.Info("command", append(attrs, "changed", res.Changed, "events", len(res.Events), "replayed", res.Replayed)...)
	case errors.As(err, &refusal):
		p.log.Info("command refused", append(attrs, "code", refusal.Code)...)
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, eventstore.ErrOutcomeUnknown):
		// An outage, not a fault of ours: answered 503, logged with its cause.
		p.log.Warn("command not carried out: the store could not be reached", append(attrs, "code", domain.CodeOf(OutageError(err, false)), "error", err)...)
	default:
		p.log.Error("command failed", append(attrs, "error", err)...)
	}
}
