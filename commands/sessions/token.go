package sessions

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// tokenPrefix marks Roster session tokens, so that secret scanners and
// people can recognise a leaked one.
const tokenPrefix = "rst_"

// tokenBytes is the entropy of a token.
const tokenBytes = 32

// tokenLength is the length of a well-formed token.
var tokenLength = len(tokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// newToken returns a fresh token and its digest.
func newToken() (token, digest string) {
	raw := make([]byte, tokenBytes)
	_, _ = rand.Read(raw) // crypto/rand.Read never returns an error
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	return token, digestOf(token)
}

// ParseToken checks that token has the shape of a session token and returns
// the digest it is stored under; ok is false for anything else, which then
// costs no database lookup.
func ParseToken(token string) (digest string, ok bool) {
	body, found := strings.CutPrefix(token, tokenPrefix)
	if !found || len(token) != tokenLength {
		return "", false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) != tokenBytes {
		return "", false
	}
	return digestOf(token), true
}

func digestOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
