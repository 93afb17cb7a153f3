package webhooks

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"

	"github.com/rosterhq/roster/domain"
)

// secretPrefix starts every signing secret (Standard Webhooks): the rest is
// the standard base64 of the key bytes.
const secretPrefix = "whsec_"

// secretSize is the length of a signing key: 32 random bytes, as long as
// the HMAC-SHA256 output (the specification asks for 24 to 64).
const secretSize = 32

// Secret is a signing secret as shown, once, to the admin: "whsec_" and the
// base64 of its key. It prints and logs as a placeholder; only JSON
// encoding and string(s) show it.
type Secret string

// String hides the secret from fmt and log lines written by mistake.
func (Secret) String() string { return "whsec_(redacted)" }

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// newKey returns fresh random key bytes and the secret that shows them.
func newKey() ([]byte, Secret) {
	key := make([]byte, secretSize)
	_, _ = rand.Read(key) // crypto/rand.Read never returns an error
	return key, Secret(secretPrefix + base64.StdEncoding.EncodeToString(key))
}

// sealer seals signing keys at rest, each bound to its endpoint: a sealed
// key copied to another endpoint's row does not open.
type sealer struct{ aead cipher.AEAD }

// associated binds a sealed key to its endpoint (ids hold no NUL).
func associated(tenant domain.TenantID, endpoint string) []byte {
	return []byte(string(tenant) + "\x00" + endpoint)
}

// seal returns nonce || AES-256-GCM(key).
func (s sealer) seal(tenant domain.TenantID, endpoint string, key []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(key)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, key, associated(tenant, endpoint))
}

// errSealed says a stored secret does not open: another master key, or an
// altered row. Its text names no secret.
var errSealed = errors.New("webhooks: a stored signing secret does not open under this master key")

// open reverses seal.
func (s sealer) open(tenant domain.TenantID, endpoint string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errSealed
	}
	key, err := s.aead.Open(nil, sealed[:n], sealed[n:], associated(tenant, endpoint))
	if err != nil {
		return nil, errSealed
	}
	return key, nil
}
