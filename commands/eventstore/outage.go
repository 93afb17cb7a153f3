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
	case errors.Is(err, ErrOutcomeUnknown) && keyed:
		return domain.NewError(domain.CodeOutcomeUnknown, "the connection to the database broke after the command was sent, "+
			"so whether it was carried out is unknown: retry with the same Idempotency-Key, which answers with its one outcome")
	case errors.Is(err, ErrOutcomeUnknown):
		return domain.NewError(domain.CodeOutcomeUnknown, "the connection to the database broke after the command was sent, "+
			"so whether it was carried out is unknown: read the resource to find out (a request sent with an Idempotency-Key "+
			"can instead be retried with the same key, which answers with its one outcome)")
	case errors.Is(err, ErrUnavailable):
		return domain.NewError(domain.CodeUnavailable, "the database cannot be reached now and nothing was stored: retry later")
	}
	return err
}
