// Package commands carries out the use cases of Roster: one file per use
// case, each preparing its domain command from the use case's input
// (stamping instants, choosing ids, normalising e-mails, hashing passwords
// under the password rules) and naming the resource its reply shows. Handlers
// exposes them as typed handlers.
//
// The machinery that carries a domain command out on its tenant's stream —
// the cached write models, decide and append with the expected version,
// retries, group commit, idempotency keys, session checks — is the command
// engine's (commands/execution): a use case hands its command to the engine
// and is handed back a Result, and the engine never calls back into it.
//
// The ports the use cases need (PasswordHasher, PasswordScreen,
// EmailIndexer) are declared here and implemented in infra.
package commands
