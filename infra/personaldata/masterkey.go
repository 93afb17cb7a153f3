package personaldata

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MasterKeySize is the length of a master key: 32 random bytes.
const MasterKeySize = 32

// Purpose labels of the keys derived from the master key (HKDF-SHA256 "info").
// Changing one orphans everything stored under the key it names.
const (
	purposeKeyWrapping = "roster key-wrapping v1"
	purposeBlindIndex  = "roster blind-index v1"
	purposeKeyCheck    = "roster key-check v1"
	purposeWebhooks    = "roster webhook-secrets v1"
)

// masterKeyHelp tells an operator what a valid master key looks like.
const masterKeyHelp = "ROSTER_MASTER_KEY must be 32 random bytes in base64, e.g. from `openssl rand -base64 32`"

// MasterKey is the root secret of personal-data protection (ROSTER_MASTER_KEY).
// It is never used directly: separate 32-byte keys are derived from it, one
// per purpose, with HKDF-SHA256 (RFC 5869, no salt: the master key is already
// uniformly random), so that no key ever serves two algorithms. Obtain one
// from ParseMasterKey; the zero value is not a key. It is safe to copy and to
// use concurrently, and it prints as a redacted placeholder, never its bytes.
type MasterKey struct {
	keys *derivedKeys
}

// derivedKeys are the purpose keys of one master key.
type derivedKeys struct {
	wrapping   []byte // AES-256-GCM key that wraps per-user data keys
	blindIndex []byte // HMAC-SHA256 key of e-mail blind indexes
	check      []byte // HMAC-SHA256 key of the stored key check value
	webhooks   []byte // AES-256-GCM key that seals webhook signing secrets
}

// ParseMasterKey decodes s, the base64 of exactly MasterKeySize bytes, in the
// standard or URL-safe alphabet, padded or not; surrounding white space is
// ignored. Its errors never contain s.
func ParseMasterKey(s string) (MasterKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return MasterKey{}, errors.New("personaldata: master key is empty: " + masterKeyHelp)
	}
	raw, ok := decodeBase64(s)
	if !ok {
		return MasterKey{}, errors.New("personaldata: master key is not valid base64: " + masterKeyHelp)
	}
	if len(raw) != MasterKeySize {
		return MasterKey{}, fmt.Errorf("personaldata: master key decodes to %d bytes, want %d: %s", len(raw), MasterKeySize, masterKeyHelp)
	}
	return newMasterKey(raw)
}

// decodeBase64 tries the four base64 variants in turn.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			return raw, true
		}
	}
	return nil, false
}

// GenerateMasterKey returns a new random master key in standard base64, the
// form ParseMasterKey reads.
func GenerateMasterKey() (string, error) {
	raw := make([]byte, MasterKeySize)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("personaldata: generate master key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

func newMasterKey(raw []byte) (MasterKey, error) {
	var k derivedKeys
	for _, d := range []struct {
		purpose string
		into    *[]byte
	}{
		{purposeKeyWrapping, &k.wrapping},
		{purposeBlindIndex, &k.blindIndex},
		{purposeKeyCheck, &k.check},
		{purposeWebhooks, &k.webhooks},
	} {
		key, err := hkdf.Key(sha256.New, raw, nil, d.purpose, 32)
		if err != nil {
			return MasterKey{}, fmt.Errorf("personaldata: derive %q key: %w", d.purpose, err)
		}
		*d.into = key
	}
	return MasterKey{keys: &k}, nil
}

// BlindIndex returns the blind index of e-mail addresses keyed by this master
// key's blind-index key. Calling it on the zero MasterKey is a programming
// error (there is no key to derive from) and panics.
func (m MasterKey) BlindIndex() *BlindIndex {
	b, err := NewBlindIndex(m.mustKeys().blindIndex)
	if err != nil {
		panic(err) // unreachable: derived keys are 32 bytes
	}
	return b
}

// WebhookSecrets returns the AEAD (AES-256-GCM, 12-byte nonces) that seals
// webhook signing secrets at rest (infra/webhooks), under a key derived for
// that purpose alone. Calling it on the zero MasterKey panics, as BlindIndex.
func (m MasterKey) WebhookSecrets() cipher.AEAD {
	aead, err := newAEAD(m.mustKeys().webhooks)
	if err != nil {
		panic(err) // unreachable: derived keys are 32 bytes
	}
	return aead
}

// IsZero reports whether m is the zero value, which holds no key.
func (m MasterKey) IsZero() bool { return m.keys == nil }

// String returns a placeholder, so that a key printed by mistake (%v, %s, a
// log attribute) shows nothing of its value.
func (m MasterKey) String() string { return "personaldata.MasterKey(redacted)" }

// GoString returns the same placeholder as String, for %#v.
func (m MasterKey) GoString() string { return m.String() }

func (m MasterKey) mustKeys() *derivedKeys {
	if m.keys == nil {
		panic("personaldata: the zero MasterKey holds no key; use ParseMasterKey")
	}
	return m.keys
}

var errNoMasterKey = errors.New("personaldata: no master key (the zero MasterKey): " + masterKeyHelp)
