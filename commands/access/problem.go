package access

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	chimiddleware "github.com/go-chi/chi/v5/middleware"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// RetryAfterUnavailable is the Retry-After, in seconds, of every
// "unavailable" answer that does not say otherwise: about the time
// PostgreSQL takes to restart, short enough that a client's retry finds it
// back soon after it is.
const RetryAfterUnavailable = 2

// problemTypes is the namespace of the problem documents' "type": one URI
// per code.
const problemTypes = "https://roster.dev/problems/"

// Problem is an RFC 9457 problem document as the API answers it, with the
// HTTP status and the Retry-After that go with it. ProblemOf makes one.
type Problem struct {
	Type   string      `json:"type"`
	Title  string      `json:"title"`
	Status int         `json:"status"`
	Detail string      `json:"detail"`
	Code   domain.Code `json:"code"`
	// Field names the request field at fault, on invalid input
	// (domain.Error's Field).
	Field string `json:"field,omitempty"`
	// Position is where a tenant's read model stopped, on
	// projection_failed (Extra.Position).
	Position string `json:"position,omitempty"`
	// Index is the action of a bulk that refused it (Extra.Index).
	Index *int `json:"index,omitempty"`
	// RetryAfter, when positive, is the seconds of the Retry-After header.
	RetryAfter int `json:"-"`
}

// ProblemOf is the one mapping of the API from an error to the problem
// document and HTTP status that answer it:
//   - a refusal of the domain's vocabulary (a *domain.Error in err's
//     chain) is its own document, at its kind's status (statusOf), naming
//     the field at fault on invalid input;
//   - an error that says the database or event store could not be reached
//     is 503 "unavailable" or "outcome_unknown" (Outage);
//   - anything else is 500 "internal", whose detail names only requestID:
//     what went wrong is for the log.
//
// Extend adds what the refusal alone cannot say: another status, when to
// retry, the position a read model stopped at. "unavailable" says to retry
// after RetryAfterUnavailable seconds unless it says otherwise.
func ProblemOf(err error, requestID string) Problem {
	refusal := refusalOf(err)
	if refusal == nil {
		refusal = &domain.Error{Code: domain.CodeInternal, Detail: "internal error; request id " + requestID}
	}
	var extra Extra
	var extended *extended
	if errors.As(err, &extended) {
		extra = extended.extra
	}
	status := extra.Status
	if status == 0 {
		status = statusOf(refusal.Kind())
	}
	p := Problem{Type: problemTypes + string(refusal.Code), Title: http.StatusText(status), Status: status,
		Detail: refusal.Detail, Code: refusal.Code, Field: refusal.Field, Position: extra.Position, Index: extra.Index}
	switch {
	case extra.RetryAfter > 0:
		p.RetryAfter = int(math.Ceil(extra.RetryAfter.Seconds()))
	case refusal.Code == domain.CodeUnavailable:
		p.RetryAfter = RetryAfterUnavailable
	}
	return p
}

// refusalOf is the refusal err stands for: the domain's own, or an outage;
// nil for a failure of the service.
func refusalOf(err error) *domain.Error {
	var refusal *domain.Error
	if errors.As(err, &refusal) && refusal.Kind() != domain.Internal {
		return refusal
	}
	return Outage(err)
}

// Outage returns the refusal that err stands for when it says the database
// or event store could not be reached: "unavailable" for an error wrapping
// eventstore.ErrUnavailable (nothing was stored), "outcome_unknown" for one
// wrapping eventstore.ErrOutcomeUnknown (a request whose key is not known
// here is told to read the resource; see domain.OutcomeUnknownError), or
// the refusal with either code that err already holds; nil for any other
// error.
func Outage(err error) *domain.Error {
	switch {
	case errors.Is(err, eventstore.ErrOutcomeUnknown):
		return domain.OutcomeUnknownError(false)
	case errors.Is(err, eventstore.ErrUnavailable):
		return domain.UnavailableError()
	}
	var refusal *domain.Error
	if errors.As(err, &refusal) && (refusal.Code == domain.CodeUnavailable || refusal.Code == domain.CodeOutcomeUnknown) {
		return refusal
	}
	return nil
}

// statusOfKind is the HTTP status of each error kind: the one table from
// the domain's error vocabulary to HTTP. A kind it lacks is internal (500).
var statusOfKind = map[domain.ErrorKind]int{
	domain.InvalidInput:       http.StatusBadRequest,
	domain.Unauthenticated:    http.StatusUnauthorized,
	domain.Forbidden:          http.StatusForbidden,
	domain.NotFound:           http.StatusNotFound,
	domain.Conflict:           http.StatusConflict,
	domain.PreconditionFailed: http.StatusPreconditionFailed,
	domain.Unprocessable:      http.StatusUnprocessableEntity,
	domain.TooManyRequests:    http.StatusTooManyRequests,
	domain.Timeout:            http.StatusGatewayTimeout,
	domain.Unavailable:        http.StatusServiceUnavailable,
}

// statusOf is the HTTP status of an error kind (see statusOfKind).
func statusOf(kind domain.ErrorKind) int {
	if status, ok := statusOfKind[kind]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// Extra is what a problem document may say beyond its refusal.
type Extra struct {
	// Status replaces the status of the refusal's kind, for the few answers
	// HTTP words otherwise (405 for a method a route does not take, 413 for
	// a body too large: both "invalid").
	Status int
	// RetryAfter is when the client may try again (rounded up to whole
	// seconds), such as after too many failed logins.
	RetryAfter time.Duration
	// Position is where the tenant's read model stopped (projection_failed).
	Position string
	// Index is the action that refused an atomic bulk.
	Index *int
}

// Extend returns err with extra for its problem document (see ProblemOf).
func Extend(err error, extra Extra) error { return &extended{err: err, extra: extra} }

type extended struct {
	err   error
	extra Extra
}

func (e *extended) Error() string { return e.err.Error() }
func (e *extended) Unwrap() error { return e.err }

// Write answers with the problem document, and Retry-After unless the
// response has one already.
func (p Problem) Write(w http.ResponseWriter) {
	if p.RetryAfter > 0 && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p) // the client went away; nothing to do
}

// Refuse answers with the problem document of a refusal of the domain's
// vocabulary (ProblemOf).
func Refuse(w http.ResponseWriter, refusal *domain.Error) { ProblemOf(refusal, "").Write(w) }

// Answer answers a request that failed with err by its problem document
// (ProblemOf). What is not the client's doing goes to log, with the request
// id the 500's detail names: a failure of the service as an error, an
// outage (the database or event store out of reach) as a warning. A
// refusal is the client's answer, and logged by whoever refused it.
func Answer(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	id := chimiddleware.GetReqID(r.Context())
	p := ProblemOf(err, id)
	var refusal *domain.Error
	switch {
	case errors.As(err, &refusal) && refusal.Kind() != domain.Internal:
	case p.Code == domain.CodeInternal:
		log.Error("request failed", "request_id", id, "method", r.Method, "route", routeOf(r), "error", err)
	default:
		log.Warn("request not served: the database cannot be reached", "request_id", id, "method", r.Method,
			"route", routeOf(r), "code", p.Code, "error", err)
	}
	p.Write(w)
}

// routeOf is the route pattern r matched ("" outside a router): bounded,
// and free of the ids the path holds.
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}
