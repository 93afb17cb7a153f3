package sessions

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
)

// RefOf is how events name the session stored under digest (the SHA-256 of
// its token): a digest of the digest, so that the event log, kept for ever
// and copied wherever events go, never holds the key the session store
// looks sessions up by.
func RefOf(digest string) string {
	sum := sha256.Sum256([]byte("roster session reference\x00" + digest))
	return hex.EncodeToString(sum[:16])
}

// OwnSession is p's session as a command names it (to keep it alive when the
// user changes their own password); nil for the operator.
func OwnSession(p access.Principal) *domain.SessionRef {
	if p.Operator || p.Session == "" {
		return nil
	}
	return &domain.SessionRef{Ref: RefOf(p.Session), IssuedAt: p.IssuedAt}
}
