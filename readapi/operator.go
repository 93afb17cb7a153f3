package readapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// bearerToken is the request's bearer token, if it has one.
func bearerToken(r *http.Request) (string, bool) {
	return strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// isOperatorToken compares got with the operator token as SHA-256 digests in
// constant time, so neither content nor length leaks through timing. An
// empty operator token matches nothing.
func isOperatorToken(operator, got string) bool {
	want, have := sha256.Sum256([]byte(operator)), sha256.Sum256([]byte(got))
	return operator != "" && subtle.ConstantTimeCompare(have[:], want[:]) == 1
}

// RequireOperator lets through only requests bearing the operator token. An
// empty token disables the routes it guards (every request is refused).
func RequireOperator(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, ok := bearerToken(r)
			if !ok || !isOperatorToken(token, got) {
				WriteProblem(w, http.StatusUnauthorized, "unauthenticated", "a valid operator bearer token is required")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
