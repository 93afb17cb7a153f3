package commands

import "context"

// PasswordHasher turns a clear password into a self-describing hash (salt
// and parameters included) and checks a password against one.
type PasswordHasher interface {
	// Hash may refuse to compute now (no room for another hashing, or
	// ctx ended: the caller has gone).
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches hash; a malformed hash is an error.
	Verify(ctx context.Context, password, hash string) (bool, error)
}

// PasswordScreen recognises the passwords attackers try first: common and
// breached ones, their simple variants (capitals, digits, l33t, keyboard
// walks, repeats) and those made of little more than the account's own
// details (context: its e-mail, name, ids). Every path that sets a
// password asks it, after domain.CheckPassword and before the hash.
type PasswordScreen interface {
	Guessable(password string, context ...string) bool
}

// EmailIndexer computes the blind index of an e-mail address: a keyed hash of
// its normalised form, so that uniqueness, login and the blocklist can match
// addresses without the clear address being stored anywhere.
type EmailIndexer interface {
	EmailIndex(email string) string
	// ExternalIDIndex is the blind index of an identity provider's id of a
	// person, compared exactly.
	ExternalIDIndex(externalID string) string
}
