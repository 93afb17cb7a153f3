package sessions

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzParseToken: ParseToken never panics; it accepts only the shape
// newToken makes, in its one canonical spelling, and always accepts what
// newToken makes; changing any character of an accepted token makes it
// refused or another well-formed token with another digest.
func FuzzParseToken(f *testing.F) {
	zeros := tokenPrefix + strings.Repeat("A", 43)
	for _, seed := range []string{
		"", "rst_", "rst", "op-token", "Bearer " + zeros, zeros, zeros + "A", zeros[:tokenLength-1],
		tokenPrefix + strings.Repeat("_", 42) + "8", // all ones: the last character carries 4 bits and 2 zero bits
		tokenPrefix + strings.Repeat("A", 42) + "B", // non-zero padding bits: not canonical
		tokenPrefix + strings.Repeat("A", 42) + "=", tokenPrefix + strings.Repeat("+", 43), tokenPrefix + strings.Repeat("/", 43),
		"RST_" + strings.Repeat("A", 43), "rst-" + strings.Repeat("A", 43), tokenPrefix + strings.Repeat("é", 21) + "A",
		tokenPrefix + strings.Repeat("A", 41) + "\n\r", tokenPrefix + "dGhpcyBpcyBub3QgYSB0b2tlbiBidXQgaXQgaXMgY2xvc2U",
	} {
		f.Add(seed, byte('A'))
	}
	f.Add(tokenPrefix+strings.Repeat("_", 42)+"8", byte('9'))
	f.Add(zeros, byte('B'))
	f.Add(zeros, byte('-'))
	f.Fuzz(func(t *testing.T, token string, replacement byte) {
		digest, ok := ParseToken(token)
		if ok {
			checkAccepted(t, token, digest)
			checkEveryChange(t, token, digest, replacement)
		} else if digest != "" {
			t.Fatalf("ParseToken(%q) refused it but gave digest %q", token, digest)
		}
		fresh, freshDigest := newToken()
		if got, ok := ParseToken(fresh); !ok || got != freshDigest {
			t.Fatalf("ParseToken(%q) of newToken = %q, %v; want %q, true", fresh, got, ok, freshDigest)
		}
	})
}

// checkAccepted fails unless token has the shape of newToken's tokens, in
// its canonical spelling, and digest is its SHA-256.
func checkAccepted(t *testing.T, token, digest string) {
	t.Helper()
	body, found := strings.CutPrefix(token, "rst_")
	if !found || len(token) != 47 {
		t.Fatalf("ParseToken accepted %q (length %d): want rst_ and 47 characters", token, len(token))
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) != 32 {
		t.Fatalf("ParseToken accepted %q, whose body is not 32 bytes of base64url: %d bytes, %v", token, len(raw), err)
	}
	if canonical := base64.RawURLEncoding.EncodeToString(raw); canonical != body {
		t.Fatalf("ParseToken accepted %q, a non-canonical spelling of rst_%s", token, canonical)
	}
	if sum := sha256.Sum256([]byte(token)); digest != hex.EncodeToString(sum[:]) {
		t.Fatalf("ParseToken(%q) digest %q is not the token's SHA-256", token, digest)
	}
}

// checkEveryChange replaces each byte of token in turn by replacement and
// fails unless every such token is refused, or accepted as a well-formed
// token with another digest.
func checkEveryChange(t *testing.T, token, digest string, replacement byte) {
	t.Helper()
	for at := range len(token) {
		if token[at] == replacement {
			continue
		}
		changed := token[:at] + string([]byte{replacement}) + token[at+1:]
		got, ok := ParseToken(changed)
		if !ok {
			continue
		}
		if got == digest {
			t.Fatalf("ParseToken accepts both %q and %q with the same digest %q", token, changed, digest)
		}
		checkAccepted(t, changed, got)
	}
}
