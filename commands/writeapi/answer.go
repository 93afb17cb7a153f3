package writeapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
)

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// answerError answers an error: a refusal of the domain's vocabulary as its
// problem document, anything else as Internal does, the error itself going
// to the log only.
func answerError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var refusal *domain.Error
	var limited *sessions.RateLimited
	switch {
	case errors.Is(err, execution.ErrSessionEnded): // found by the command itself (sessions.Service.AuthenticateCommand)
		access.WriteProblem(w, http.StatusUnauthorized, domain.CodeUnauthenticated, "a valid bearer token is required")
	case errors.Is(err, errBodyTooLarge):
		access.WriteProblem(w, http.StatusRequestEntityTooLarge, domain.CodeInvalid, err.Error())
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(limited.RetryAfter.Seconds()))))
		access.WriteProblem(w, http.StatusTooManyRequests, limited.Refusal.Code, limited.Refusal.Detail)
	case errors.As(err, &refusal) && refusal.Kind() != domain.Internal:
		access.WriteError(w, refusal)
	default:
		Internal(log)(w, r, err)
	}
}

// Internal answers an error outside the domain's vocabulary: 503 when it
// says the database or event store could not be reached (access.Outage),
// else 500 internal, naming the request id that the log line carries with
// the error.
func Internal(log *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		id := middleware.GetReqID(r.Context())
		if refusal := access.Outage(err); refusal != nil {
			log.Warn("request not served: the database cannot be reached", "request_id", id, "method", r.Method,
				"route", routeOf(r), "code", refusal.Code, "error", err)
			access.WriteProblem(w, access.Status(refusal.Kind()), refusal.Code, refusal.Detail)
			return
		}
		log.Error("request failed", "request_id", id, "method", r.Method, "route", routeOf(r), "error", err)
		access.WriteProblem(w, http.StatusInternalServerError, domain.CodeInternal, "internal error; request id "+id)
	}
}
