// Package passwords hashes and verifies passwords with Argon2id (through
// github.com/alexedwards/argon2id), implementing commands.PasswordHasher.
//
// Hashes are self-describing PHC-style strings
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>"), so parameters can be raised
// later without invalidating stored hashes. Keys are compared in constant
// time, and VerifyDummy lets a login for an unknown account cost as much as
// one for a known account, so that response times do not reveal which
// accounts exist.
//
// Each computation takes its memory parameter (19 MiB) for as long as it
// runs, so a Budget bounds how many run at once: a Hasher Within a budget
// waits briefly for a slot and is otherwise refused with ErrBusy
// ("unavailable"), which is what keeps concurrent logins from exhausting
// the process's memory.
package passwords
