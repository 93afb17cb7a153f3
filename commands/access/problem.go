package access

import (
	"encoding/json"
	"net/http"

	"github.com/rosterhq/roster/domain"
)

// WriteProblem answers with an RFC 9457 problem document carrying the API's
// stable machine code.
func WriteProblem(w http.ResponseWriter, status int, code domain.Code, detail string) {
	writeProblem(w, status, &domain.Error{Code: code, Detail: detail})
}

// WriteError answers with the problem document of a refusal of the domain's
// vocabulary, at its kind's status; an invalid-input refusal also names the
// request field at fault ("field").
func WriteError(w http.ResponseWriter, e *domain.Error) {
	writeProblem(w, Status(e.Kind()), e)
}

func writeProblem(w http.ResponseWriter, status int, e *domain.Error) {
	problem := map[string]any{
		"type": "https://roster.dev/problems/" + string(e.Code), "title": http.StatusText(status),
		"status": status, "detail": e.Detail, "code": e.Code,
	}
	if e.Field != "" {
		problem["field"] = e.Field
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
