package readapi

import (
	"encoding/json"
	"net/http"
)

// WriteProblem answers with an RFC 9457 problem document carrying the API's
// stable machine code.
func WriteProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "https://roster.dev/problems/" + code, "title": http.StatusText(status),
		"status": status, "detail": detail, "code": code,
	})
}
