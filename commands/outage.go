package commands

import (
	"errors"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// OutageError puts a store that could not be reached in the domain's
// vocabulary: an error wrapping eventstore.ErrUnavailable (nothing was
// stored) becomes the refusal "unavailable", one wrapping
// eventstore.ErrOutcomeUnknown (the command may have been stored)
// "outcome_unknown", whose detail tells the client what to do: retry with
// the same Idempotency-Key when keyed says the request had one (the retry
// answers with the command's one outcome), else read the resource. Other
// errors are returned as they are.
func OutageError(err error, keyed bool) error {
	switch {
	case errors.Is(err, eventstore.ErrOutcomeUnknown):
		return domain.OutcomeUnknownError(keyed)
	case errors.Is(err, eventstore.ErrUnavailable):
		return domain.UnavailableError()
	}
	return err
}
