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
// read, one Argon2id verification, within the same hashing budget).
//
// # Limits on failed logins
//
// Limits must stop guessing without letting a guesser lock the account's
// owner out (OWASP's Authentication cheat sheet, "Account Lockout": a
// lockout that anyone can trigger is a denial of service; its Credential
// Stuffing cheat sheet: limit per address, and trust devices that logged in
// before). Three limits apply, each reserved before the password is checked
// — concurrent attempts cannot all pass before the first fails — and
// refunded when it is right:
//
//   - per account and client address (5, then 1 a minute): one guesser on
//     one account is stopped, and only that guesser: the owner, elsewhere,
//     is not affected;
//   - per client address over all accounts (30, then 1 every 2 s): one
//     address spraying many accounts (credential stuffing) is stopped;
//   - per account over all addresses, a slowdown rather than a lockout:
//     after 10 failures, each failure closes the account for a delay that
//     doubles from 1 s up to a minute, so a distributed guesser gets at most
//     one guess a minute, and someone else's failures keep the owner out
//     at most a minute after the last of them.
//
// A client address that logged in to an account in the last 30 days is
// exempt from that account's slowdown and from its address's limit, in the
// spirit of OWASP's "device cookies": the owner, from where they usually
// log in, is never held up by anyone else's failures, only by their own on
// that account. An IPv6 client is limited by its /64 network. Client
// addresses behind a proxy are the proxy's to tell (access.ClientAddresses);
// limits are kept in memory, per process.
package sessions
