package commands

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
		return "", fmt.Errorf("commands: fingerprint %s: %w", useCase, err)
	}
	sum := sha256.Sum256(append([]byte(useCase+"\x00"), body...))
	return hex.EncodeToString(sum[:]), nil
}

// idempotent wraps execute for requests that carry an idempotency key.
type idempotent struct {
	store IdempotencyStore
	clock func() time.Time
	log   *slog.Logger
}

// run claims the key (knowing the tenant's stream at version after) and
// executes, or answers with the stored outcome. A key claimed but never
// completed (a crash, or the same request still running) is executed again
// as a retry of that earlier attempt: its event ids are derived from the
// key, so whatever the first attempt stored is found, not stored twice (see
// otherAttempt).
func (i idempotent) run(ctx context.Context, env Envelope, print string, after int64, exec func(*otherAttempt) (Result, error)) (Result, error) {
	rec, claimed, err := i.store.Claim(ctx, env.idempotencyID(), print, after, i.clock())
	if err != nil {
		return Result{}, fmt.Errorf("commands: claim idempotency key: %w", err)
	}
	other := &otherAttempt{after: after, claimed: claimed}
	if !claimed {
		if rec.Fingerprint != print {
			return Result{}, domain.NewError(domain.CodeIdempotencyKeyReused,
				"this Idempotency-Key was used within 24 h for a different request")
		}
		if rec.Outcome != nil {
			return replay(rec.Outcome)
		}
		other.after = rec.AfterVersion
	}
	res, err := exec(other)
	if err != nil && !claimed {
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
	case errors.As(err, &refusal) && refusal.Kind() != domain.Unavailable:
		stored.Error = refusal
	default:
		// Not an outcome (an error, an outage): the claim stays open, so
		// that a retry runs again and finds what this attempt stored.
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
		return Result{}, fmt.Errorf("commands: stored idempotent outcome: %w", err)
	}
	if o.Error != nil {
		return Result{}, o.Error
	}
	if o.Result == nil {
		return Result{}, errors.New("commands: stored idempotent outcome is empty")
	}
	r := *o.Result
	r.Replayed = true
	return r, nil
}
