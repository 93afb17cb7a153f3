package readapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// RequireOperator lets through only requests bearing the operator token. An
// empty token disables the routes it guards (every request is refused).
// Tokens are compared as SHA-256 digests in constant time, so neither their
// content nor their length leaks through timing.
func RequireOperator(token string) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			digest := sha256.Sum256([]byte(got))
			if !ok || token == "" || subtle.ConstantTimeCompare(digest[:], want[:]) != 1 {
				WriteProblem(w, http.StatusUnauthorized, "unauthenticated", "a valid operator bearer token is required")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
