// Package sessions logs tenant users in and resolves bearer tokens.
//
// A session token is 32 random bytes, shown once to the client and stored
// only as its SHA-256 digest (a fast hash suffices: the token has 256 bits of
// entropy, unlike a password). Whether a token is still good is decided on
// every request against the write model, caught up with the event stream —
// never against a projection — so a token dies on the very next request
// after the command that revoked it (revoke-sessions, block, delete, or a
// deactivation whose policy forbids login) has answered, whichever process
// answered it.
//
// Login answers invalid_credentials alike for an unknown e-mail, a user
// without a password and a wrong password, after the same work (one stream
// read, one Argon2id verification), and counts failures per account and per
// client address, refusing further attempts for a while (rate_limited).
package sessions
