package personaldata

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/domain"
)

var _ commands.EmailIndexer = (*BlindIndex)(nil)

// BlindIndexKeySize is the least key length NewBlindIndex accepts: 32 bytes,
// SHA-256's output size; a shorter HMAC key would be the weakest link.
const BlindIndexKeySize = 32

// BlindIndex computes the blind index of e-mail addresses:
// hex(HMAC-SHA256(key, normalised address)). Matching addresses by index
// lets the service store no clear address (GDPR data minimisation: the
// address itself lives only encrypted, under a key that erasure destroys).
// The index alone reveals nothing to someone without the key: unlike a plain
// hash it cannot be reversed by hashing a list of known addresses. It is
// safe for concurrent use.
type BlindIndex struct {
	key []byte
}

// NewBlindIndex returns a BlindIndex keyed by key, which must be at least
// BlindIndexKeySize random bytes and must never change (every stored index
// depends on it) nor be stored beside the indexes. The key is copied.
func NewBlindIndex(key []byte) (*BlindIndex, error) {
	if len(key) < BlindIndexKeySize {
		return nil, fmt.Errorf("personaldata: blind index key is %d bytes, want at least %d", len(key), BlindIndexKeySize)
	}
	return &BlindIndex{key: append([]byte(nil), key...)}, nil
}

// ExternalIDIndex returns the blind index of an identity provider's id of a
// person (SCIM's externalId): exact, as SCIM compares it, and apart from
// every e-mail's index (another input domain of the same key).
func (b *BlindIndex) ExternalIDIndex(externalID string) string {
	mac := hmac.New(sha256.New, b.key)
	mac.Write([]byte("external_id\x00" + externalID))
	return hex.EncodeToString(mac.Sum(nil))
}

// EmailIndex returns the blind index of email: 64 lower-case hex digits. It
// normalises email first (domain.NormalizeEmail), so addresses that differ
// only in case or surrounding spaces share one index, and so do the Unicode
// and ASCII spellings of one internationalised domain (sameDomainForm). It
// does not validate: for a string that is not an address it returns the
// index of the trimmed, lower-cased string, so callers validate with
// domain.NormalizeEmail beforehand.
func (b *BlindIndex) EmailIndex(email string) string {
	normal, err := domain.NormalizeEmail(email)
	if err != nil {
		normal = strings.ToLower(strings.TrimSpace(email))
	} else {
		normal = sameDomainForm(normal)
	}
	mac := hmac.New(sha256.New, b.key)
	mac.Write([]byte(normal))
	return hex.EncodeToString(mac.Sum(nil))
}
