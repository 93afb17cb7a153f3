// Package personaldata keeps personal data out of storage in the clear, so
// that erasing a person (GDPR art. 17) never requires rewriting the
// append-only event log.
//
// For now it holds the blind index of e-mail addresses (blindindex.go): a
// keyed hash that lets login, uniqueness checks and the blocklist match an
// address without the address itself being stored. Encryption of names and
// addresses under per-user keys will live beside it.
package personaldata
