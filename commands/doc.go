// Package commands carries out the use cases of Roster: one file per use case,
// all through one path — load the tenant's write model, decide with the pure
// domain, append the events with the expected version, retry the whole cycle
// on a version conflict (bounded) — with no-op detection and idempotency keys.
//
// The write model of each tenant is cached in process and caught up from its
// stream, and snapshotted, so a command on a tenant of 100,000 users neither
// replays 100,000 events nor reads more than it must: a command that changes
// something costs one append; only refusals and no-ops, which must not be
// decided on a stale cache, read the stream's tail first.
//
// The ports it needs (EventStore, SnapshotStore, IdempotencyStore,
// PasswordHasher, EmailIndexer) are declared here and implemented in infra.
package commands
