// Package personaldata keeps personal data out of storage in the clear, so
// that erasing a person (GDPR art. 17) never requires rewriting the
// append-only event log.
//
// # Crypto-shredding
//
// Events are immutable: an erasure cannot delete or edit them without
// breaking the audit trail, the projections rebuilt from it and every copy
// already made of it. So personal data is never stored readable in the first
// place. Each person gets a random 32-byte data key; the personal data in
// their events is encrypted under it; and erasing the person destroys the
// key. The ciphertext stays in the log, forever unreadable, while everything
// else the person did stays in the audit trail.
//
// # What is sealed
//
// By the contract of domain.PersonalData, personal data appears in an event
// only as the top-level "pii" object, about the user named by the top-level
// "user" string. Store (the event store decorator) replaces, on append, the
// raw JSON of "pii" by {"sealed":"<base64 nonce||ciphertext>"}: AES-256-GCM
// under that user's data key, with a random 12-byte nonce. Every other byte of
// the payload, and the metadata, is stored as given. On read it puts the clear
// "pii" back, byte for byte, or {"erased":true} when the key is gone: that is
// all a reader ever sees of a deleted person (domain.PersonalData.Erased,
// shown as "Deleted user"). Sealed data that does not open under an existing
// key is an error (ErrTampered, ErrWrongMasterKey), never an erasure.
//
// Appending a UserDeleted event deletes its user's key row in the same
// PostgreSQL transaction as the event. A person already deleted never gets a
// new key: data about them that still arrives (a retried append) is sealed
// under a key forgotten at once, and so is erased on arrival.
//
// # Keys
//
// Data keys live in the personal_data_keys table, outside the event log,
// wrapped (AES-256-GCM, random nonce) under a key derived from the master key
// (ROSTER_MASTER_KEY, see MasterKey). The master key never encrypts anything
// itself: HKDF-SHA256 derives one key per purpose — key wrapping, the e-mail
// blind index (BlindIndex) and the key check (CheckMasterKey, which refuses a
// process started with the wrong master key). No unwrapped key is cached
// beyond one batch, since another process may destroy it at any moment.
//
// Associated data binds every ciphertext to its person: tenant id, a NUL
// byte, user id (ids cannot contain NUL, so the encoding is unambiguous). A
// wrapped key copied to another user's row, or sealed data copied into
// another user's event, does not open.
//
// # What is not covered
//
// Only "pii" is sealed. Ids, roles, statuses, timestamps and blind indexes are
// not personal data in the clear. Free-text reasons (the "reason" of
// UserDeleted, SessionsRevoked and OwnershipTransferred, and reasons in event
// metadata) are not personal data by contract: callers must not put names or
// addresses in them, and they are stored and shown as given. Events appended
// through the inner pgstore.Store directly bypass sealing; Store refuses to
// read personal data that is not sealed. MissingKeys finds people whose key
// is gone without a UserDeleted event (key table loss, not erasure).
//
// The e-mail blind index (blindindex.go) is a keyed hash that lets login,
// uniqueness checks and the blocklist match an address without the address
// itself being stored.
package personaldata
