package access

import (
	"encoding/json"
	"net/http"

	"github.com/rosterhq/roster/domain"
)

// WriteProblem answers with an RFC 9457 problem document carrying the API's
// stable machine code.
func WriteProblem(w http.ResponseWriter, status int, code domain.Code, detail string) {
	WriteProblemWith(w, status, code, detail, nil)
}

// WriteProblemWith is WriteProblem with extension members (RFC 9457 §3.2),
// such as the "position" of a failed projection.
func WriteProblemWith(w http.ResponseWriter, status int, code domain.Code, detail string, extensions map[string]any) {
	body := map[string]any{
		"type": "https://roster.dev/problems/" + string(code), "title": http.StatusText(status),
		"status": status, "detail": detail, "code": code,
	}
	for k, v := range extensions {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
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
