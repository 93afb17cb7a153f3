package eventstore

import (
	"errors"

	"github.com/rosterhq/roster/domain"
)

// OutageError puts a store that could not be reached in the domain's
// vocabulary: an error wrapping ErrUnavailable (nothing was
// stored) becomes the refusal "unavailable", one wrapping
// ErrOutcomeUnknown (the command may have been stored)
// "outcome_unknown", whose detail tells the client what to do: retry with
// the same Idempotency-Key when keyed says the request had one (the retry
// answers with the command's one outcome), else read the resource. Other
// errors are returned as they are.
//
// It sits beside the sentinels it reads so that both sides of the HTTP edge
// share it without linking the command engine: the engine answers every
// command's outage with it, and commands/access classifies the outages of
// reads and token checks with it.
func OutageError(err error, keyed bool) error {
	switch {
	case errors.Is(err, ErrOutcomeUnknown):
		return domain.OutcomeUnknownError(keyed)
	case errors.Is(err, ErrUnavailable):
		return domain.UnavailableError()
	}
	return err
}
