package access

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// RetryAfterUnavailable is the Retry-After, in seconds, of every
// "unavailable" answer: about the time PostgreSQL takes to restart, short
// enough that a client's retry finds it back soon after it is.
const RetryAfterUnavailable = 2

// WriteProblem answers with an RFC 9457 problem document carrying the API's
// stable machine code. An "unavailable" answer also says when to retry
// (Retry-After: RetryAfterUnavailable), unless the caller set it.
func WriteProblem(w http.ResponseWriter, status int, code domain.Code, detail string) {
	writeProblem(w, status, &domain.Error{Code: code, Detail: detail}, nil)
}

// WriteProblemWith is WriteProblem with extension members (RFC 9457 §3.2),
// such as the "position" of a failed projection.
func WriteProblemWith(w http.ResponseWriter, status int, code domain.Code, detail string, extensions map[string]any) {
	writeProblem(w, status, &domain.Error{Code: code, Detail: detail}, extensions)
}

// WriteError answers with the problem document of a refusal of the domain's
// vocabulary, at its kind's status; an invalid-input refusal also names the
// request field at fault ("field").
func WriteError(w http.ResponseWriter, e *domain.Error) {
	writeProblem(w, Status(e.Kind()), e, nil)
}

func writeProblem(w http.ResponseWriter, status int, e *domain.Error, extensions map[string]any) {
	if e.Code == domain.CodeUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterUnavailable))
	}
	problem := map[string]any{
		"type": "https://roster.dev/problems/" + string(e.Code), "title": http.StatusText(status),
		"status": status, "detail": e.Detail, "code": e.Code,
	}
	if e.Field != "" {
		problem["field"] = e.Field
	}
	for k, v := range extensions {
		problem[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem)
}

// Status is the HTTP status of an error kind: the one mapping from the
// domain's error vocabulary to HTTP.
func Status(kind domain.ErrorKind) int {
	switch kind {
	case domain.InvalidInput:
		return http.StatusBadRequest
	case domain.Unauthenticated:
		return http.StatusUnauthorized
	case domain.Forbidden:
		return http.StatusForbidden
	case domain.NotFound:
		return http.StatusNotFound
	case domain.Conflict:
		return http.StatusConflict
	case domain.PreconditionFailed:
		return http.StatusPreconditionFailed
	case domain.Unprocessable:
		return http.StatusUnprocessableEntity
	case domain.TooManyRequests:
		return http.StatusTooManyRequests
	case domain.Timeout:
		return http.StatusGatewayTimeout
	case domain.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Outage returns the refusal that err stands for when it says the database
// or event store could not be reached: "unavailable", or "outcome_unknown"
// (see eventstore.OutageError; a request whose key is not known here is told
// to read the resource); nil for any other error. It is the classification
// the error mappers of the write API, the read API and the middleware share,
// so that none of them answers an outage with 500.
func Outage(err error) *domain.Error {
	var refusal *domain.Error
	if !errors.As(eventstore.OutageError(err, false), &refusal) {
		return nil
	}
	if refusal.Code != domain.CodeUnavailable && refusal.Code != domain.CodeOutcomeUnknown {
		return nil
	}
	return refusal
}
