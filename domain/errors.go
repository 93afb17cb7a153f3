package domain

import (
	"errors"
	"fmt"
)

// Code is the stable machine word of a refusal; the HTTP API shows it as the
// problem document's "code". The values are exactly those of API.md.
type Code string

// The error codes of API.md. The domain itself produces invalid,
// unauthenticated, forbidden, higher_role, not_found and the conflict codes;
// the rest are listed here so that the whole service shares one vocabulary.
const (
	CodeInvalid              Code = "invalid"
	CodeUnauthenticated      Code = "unauthenticated"
	CodeInvalidCredentials   Code = "invalid_credentials"
	CodeForbidden            Code = "forbidden"
	CodeHigherRole           Code = "higher_role"
	CodeLoginForbidden       Code = "login_forbidden"
	CodeNotFound             Code = "not_found"
	CodeSoleOwner            Code = "sole_owner"
	CodeSeatLimit            Code = "seat_limit"
	CodeTeamLeader           Code = "team_leader"
	CodeDeletionDisabled     Code = "deletion_disabled"
	CodeUserDeleted          Code = "user_deleted"
	CodeInvalidTransition    Code = "invalid_transition"
	CodeNotAssignable        Code = "not_assignable"
	CodeEmailTaken           Code = "email_taken"
	CodeEmailBlocked         Code = "email_blocked"
	CodeVersionMismatch      Code = "version_mismatch"
	CodeIdempotencyKeyReused Code = "idempotency_key_reused"
	CodeProjectionLagging    Code = "projection_lagging"
	// CodeRateLimited is Roster's addition to API.md: too many failed logins
	// for one account or from one address; retry after Retry-After seconds.
	CodeRateLimited Code = "rate_limited"
	// CodeUnavailable: the database or event store cannot be reached now;
	// retry after Retry-After seconds.
	CodeUnavailable Code = "unavailable"
	// CodeOutcomeUnknown: the connection broke after a command was sent, so
	// whether it was stored is unknown; retrying with the same
	// Idempotency-Key answers with its one outcome.
	CodeOutcomeUnknown Code = "outcome_unknown"
	// CodeProjectionFailed: the tenant's read model stopped on an event it
	// could not apply; the problem names the failed position.
	CodeProjectionFailed Code = "projection_failed"
	CodeInternal         Code = "internal"
)

// ErrorKind groups codes by how a caller should react; the one function that
// maps errors to HTTP statuses switches on it rather than on every code.
type ErrorKind string

// The error kinds.
const (
	InvalidInput       ErrorKind = "invalid_input"       // fix the request
	Unauthenticated    ErrorKind = "unauthenticated"     // prove who you are
	Forbidden          ErrorKind = "forbidden"           // you may not do this
	NotFound           ErrorKind = "not_found"           // no such thing here
	Conflict           ErrorKind = "conflict"            // the state refuses it
	PreconditionFailed ErrorKind = "precondition_failed" // you saw an old version
	Unprocessable      ErrorKind = "unprocessable"       // request contradicts an earlier one
	Timeout            ErrorKind = "timeout"             // try again later
	TooManyRequests    ErrorKind = "too_many_requests"   // slow down
	Unavailable        ErrorKind = "unavailable"         // we cannot answer now; retry
	Internal           ErrorKind = "internal"            // our fault
)

// Passing reports whether a refusal of kind k says only how things stand
// now — slow down, try later, our fault — rather than what the request
// itself deserves: the same request may be carried out a moment later, so
// such a refusal is never kept as an idempotency key's outcome.
func (k ErrorKind) Passing() bool {
	return k == TooManyRequests || k == Timeout || k == Unavailable || k == Internal
}

// Kind returns the kind of c; unknown codes are Internal.
func (c Code) Kind() ErrorKind {
	switch c {
	case CodeInvalid:
		return InvalidInput
	case CodeUnauthenticated, CodeInvalidCredentials:
		return Unauthenticated
	case CodeForbidden, CodeHigherRole, CodeLoginForbidden:
		return Forbidden
	case CodeNotFound:
		return NotFound
	case CodeSoleOwner, CodeSeatLimit, CodeTeamLeader, CodeDeletionDisabled, CodeUserDeleted,
		CodeInvalidTransition, CodeNotAssignable, CodeEmailTaken, CodeEmailBlocked:
		return Conflict
	case CodeVersionMismatch:
		return PreconditionFailed
	case CodeIdempotencyKeyReused:
		return Unprocessable
	case CodeProjectionLagging:
		return Timeout
	case CodeRateLimited:
		return TooManyRequests
	case CodeUnavailable, CodeOutcomeUnknown, CodeProjectionFailed:
		return Unavailable
	}
	return Internal
}

// Error is the one error type of Roster's vocabulary: a stable Code and a
// human sentence for the reader. Find it in a chain with errors.As.
//
// Field, set on invalid-input refusals, names the request field at fault as
// the API spells it: a body member ("name", "owner.email"), or a path or
// query parameter ("user", "cursor"). The problem document shows it as
// "field". The Detail never quotes more than a short, escaped prefix of what
// the caller sent (see Quote), since it ends up in replies and logs.
type Error struct {
	Code   Code   `json:"code"`
	Detail string `json:"detail"`
	Field  string `json:"field,omitempty"`
}

// Error renders "code: detail".
func (e *Error) Error() string { return string(e.Code) + ": " + e.Detail }

// Kind returns the kind of the error's code.
func (e *Error) Kind() ErrorKind { return e.Code.Kind() }

// NewError builds an *Error whose detail is fmt.Sprintf(format, args...).
func NewError(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// InvalidField builds the invalid-input *Error about field, whose detail is
// fmt.Sprintf(format, args...).
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Detail: fmt.Sprintf(format, args...), Field: field}
}

// CodeOf returns the code of the first *Error in err's chain, "" for a nil
// err, and CodeInternal for any other error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// UnavailableError is the refusal of a request that found the database or
// event store out of reach: nothing of it was stored, and a retry may
// succeed once they are back.
func UnavailableError() *Error {
	return NewError(CodeUnavailable, "the database cannot be reached now and nothing was stored: retry later")
}

// OutcomeUnknownError is the refusal of a command whose connection broke
// after it was sent, so that it may or may not have been stored. Its detail
// tells the client what to do: with keyed (the request carried an
// Idempotency-Key), retry with the same key, which answers with the
// command's one outcome; otherwise read the resource to find out.
func OutcomeUnknownError(keyed bool) *Error {
	const broke = "the connection to the database broke after the command was sent, so whether it was carried out is unknown: "
	if keyed {
		return NewError(CodeOutcomeUnknown, broke+"retry with the same Idempotency-Key, which answers with its one outcome")
	}
	return NewError(CodeOutcomeUnknown, broke+"read the resource to find out (a request sent with an Idempotency-Key "+
		"can instead be retried with the same key, which answers with its one outcome)")
}

// The helpers below return error, not *Error, so that a nil result can never
// become a non-nil interface holding a nil pointer.

func errInvalid(format string, args ...any) error {
	return NewError(CodeInvalid, format, args...)
}

func errInvalidField(field, format string, args ...any) error {
	return InvalidField(field, format, args...)
}

func errNotFound(format string, args ...any) error {
	return NewError(CodeNotFound, format, args...)
}

func errForbidden(format string, args ...any) error {
	return NewError(CodeForbidden, format, args...)
}

func errTransition(format string, args ...any) error {
	return NewError(CodeInvalidTransition, format, args...)
}
