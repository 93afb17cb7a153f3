package eventstore

import (
	"context"
	"errors"
)

// Precondition is a condition an append must meet in the same atomic step
// that stores its events: a SQL statement that fails with the SQLSTATE
// FailsWith when the condition does not hold (any other failure is an
// error, not a verdict). A store that keeps its events in PostgreSQL runs
// it in the append's transaction, before the insert; a store that cannot
// refuses an append carrying one (ErrPreconditionUnsupported), never
// ignores it.
//
// It lets a caller make an append depend on a row beside the events (a
// session still open) without a round trip of its own.
type Precondition struct {
	SQL       string
	Args      []any
	FailsWith string // a SQLSTATE, such as "22012" (division_by_zero)
}

// ErrPreconditionFailed is returned (wrapped) by Append when a precondition
// did not hold; nothing was stored.
var ErrPreconditionFailed = errors.New("eventstore: an append's precondition does not hold")

// ErrPreconditionUnsupported is returned (wrapped) by Append on a store that
// cannot check preconditions, when the context carries any.
var ErrPreconditionUnsupported = errors.New("eventstore: this store cannot check an append's preconditions")

type preconditionsKey struct{}

// WithPreconditions returns ctx carrying ps, in addition to those it
// carries already, for the appends made with it.
func WithPreconditions(ctx context.Context, ps ...Precondition) context.Context {
	if len(ps) == 0 {
		return ctx
	}
	all := append(append([]Precondition(nil), Preconditions(ctx)...), ps...)
	return context.WithValue(ctx, preconditionsKey{}, all)
}

// Preconditions returns the preconditions ctx carries.
func Preconditions(ctx context.Context) []Precondition {
	ps, _ := ctx.Value(preconditionsKey{}).([]Precondition)
	return ps
}
