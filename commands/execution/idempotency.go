package execution

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// outcome is what is stored for an idempotency key: the first result, or the
// first refusal (a repeat of a refused request is refused the same way).
type outcome struct {
	Result *Result       `json:"result,omitempty"`
	Error  *domain.Error `json:"error,omitempty"`
}

// fingerprint identifies a request's content for the same-key-other-body
// check. Inputs keep secrets (passwords) out of their JSON, so none is hashed.
func fingerprint(useCase string, input any) (string, error) {
	body, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("execution: fingerprint %s: %w", useCase, err)
	}
	sum := sha256.Sum256(append([]byte(useCase+"\x00"), body...))
	return hex.EncodeToString(sum[:]), nil
}

// idempotent claims the keys of requests that carry one, and records their
// outcomes.
type idempotent struct {
	store IdempotencyStore
	clock func() time.Time
	log   *slog.Logger
}

// claim claims env's key for a request of useCase with input, knowing the
// tenant's stream at the version this process has committed, and returns
// where another attempt of the request may have stored its events (see
// otherAttempt): the request is then to be carried out. When the key has an
// outcome already, it returns that instead (a replay, or the refusal), and
// no otherAttempt. A key claimed but never completed (a crash, or the same
// request still running) is carried out again as a retry of that earlier
// attempt: its event ids are derived from the key, so whatever the first
// attempt stored is found, not stored twice.
func (i idempotent) claim(ctx context.Context, x *executor, useCase string, env Envelope, input any) (*otherAttempt, Result, error) {
	print, err := fingerprint(useCase, input)
	if err != nil {
		return nil, Result{}, err
	}
	after, err := x.knownVersion(ctx, env.Tenant)
	if err != nil {
		return nil, Result{}, err
	}
	rec, claimed, err := i.store.Claim(ctx, env.idempotencyID(), print, after, i.clock())
	if err != nil {
		return nil, Result{}, fmt.Errorf("execution: claim idempotency key: %w", err)
	}
	other := &otherAttempt{after: after, claimed: claimed}
	if !claimed {
		if rec.Fingerprint != print {
			return nil, Result{}, domain.NewError(domain.CodeIdempotencyKeyReused,
				"this Idempotency-Key was used within 24 h for a different request")
		}
		if rec.Outcome != nil {
			res, err := replay(rec.Outcome)
			return nil, res, err
		}
		other.after = rec.AfterVersion
	}
	return other, Result{}, nil
}

// complete records res and err, the outcome of a request carried out under
// a key that other tells how it was claimed, and returns them as the
// request's answer.
func (i idempotent) complete(ctx context.Context, env Envelope, other *otherAttempt, res Result, err error) (Result, error) {
	if err != nil && !other.claimed {
		// A retry of an attempt whose outcome was never recorded: that
		// attempt may have stored the command, so a store out of reach now
		// leaves the outcome unknown, not "nothing was stored".
		err = eventstore.AfterAppend(err)
	}
	var refusal *domain.Error
	var stored outcome
	switch {
	case err == nil:
		stored.Result = &res
	case errors.As(err, &refusal) && !refusal.Kind().Passing():
		stored.Error = refusal
	default:
		// Not an outcome (an error, an outage, a refusal that passes, such
		// as too many wrong passwords): the claim stays open, so that a
		// retry runs again and finds what this attempt stored.
		return res, err
	}
	body, merr := json.Marshal(stored)
	if merr == nil {
		merr = i.store.Complete(ctx, env.idempotencyID(), body)
	}
	if merr != nil { // the command itself stands; only a repeat may run it again
		i.log.Warn("could not record an idempotency key's outcome", "tenant", env.Tenant, "error", merr)
	}
	return res, err
}

func replay(body []byte) (Result, error) {
	var o outcome
	if err := json.Unmarshal(body, &o); err != nil {
		return Result{}, fmt.Errorf("execution: stored idempotent outcome: %w", err)
	}
	if o.Error != nil {
		return Result{}, o.Error
	}
	if o.Result == nil {
		return Result{}, errors.New("execution: stored idempotent outcome is empty")
	}
	r := *o.Result
	r.Replayed = true
	return r, nil
}
