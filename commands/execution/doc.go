// Package execution is the command engine: it carries domain commands out
// on tenant streams, all through one path — load the tenant's write model,
// decide with the pure domain, append the events with the expected version,
// retry the whole cycle on a version conflict (bounded) — with no-op
// detection, idempotency keys and the session checks commands carry. It
// knows no use case: commands (one file per use case) prepares a domain
// command and hands it here; the engine hands back a Result.
//
// The write model of each tenant is cached in process and caught up from its
// stream, and snapshotted, so a command on a tenant of 100,000 users neither
// replays 100,000 events nor reads more than it must: a command that changes
// something costs one append; only refusals and no-ops, which must not be
// decided on a stale cache, read the stream's tail first. Concurrent
// commands of one tenant share one append (group commit).
//
// Besides commands it answers the reads other packages need of the write
// model (Queries: a member and their profile, instants of events, whether a
// tenant exists) and of the past (History), so that nothing outside reaches
// into the cache.
//
// The ports it needs (EventStore, SnapshotStore, IdempotencyStore) are
// declared here and implemented in infra.
package execution
