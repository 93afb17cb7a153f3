// Package audit is the audit trail read model: one append-only row per
// event of a tenant — when, which action (the event's catalogue name), who
// acted, whom it was about, why, and the event's non-personal details —
// queried by actor, target, action and time, in feed order, a page at a
// time or streamed for export.
//
// Personal data is never stored here. Rows hold user ids only; names are
// joined from the users read model at read time, so a user's deletion turns
// every earlier entry about them, as actor or target, into "Deleted user"
// without rewriting a single audit row. The operator (or Roster itself,
// acting as "system") has no user id: its actions read actor
// {"id": null, "name": "Operator"}.
//
// The target is the first user the event is about (domain.Subjects). Events
// about the tenant, teams or work items (TenantCreated, TeamDefined,
// WorkAssigned, OwnershipTransferred, …) have no target; the team or the
// items, and the users involved, are in the details instead.
//
// # Hash chain
//
// Each entry carries a SHA-256 hash chained over its tenant's previous
// entry, in feed order (which is the tenant stream's order):
//
//	h_0 = SHA-256("roster-audit-v1" || tenant)
//	h_n = SHA-256(h_{n-1} || canonical(entry_n))
//
// where || is byte concatenation, h_{n-1} the 32 raw bytes, and
// canonical(entry) the concatenation of these nine fields, in this order,
// each as its length in bytes (4 bytes, big-endian, unsigned) followed by
// its UTF-8 bytes:
//
//  1. tenant id
//  2. stream version: the event's version in stream "tenant-<id>", decimal
//  3. event id, as the event store renders it (lowercase UUID)
//  4. at: the event's occurred-at in UTC, truncated to microseconds, as
//     YYYY-MM-DDThh:mm:ss.ffffffZ (always six fractional digits)
//  5. action: the event type, e.g. "UserDeactivated"
//  6. actor id; empty for the operator or system
//  7. target id; empty for events about no user
//  8. reason; empty for none
//  9. details: the details object as canonical JSON — object keys sorted
//     by their bytes, no whitespace, strings escaped as Go's encoding/json
//     does without HTML escaping (`"`, `\`, and control characters
//     escaped; \b, \f, \n, \r, \t short, others \u00XX; U+2028 and U+2029 as
//     \u2028 and \u2029), integers in decimal; an absent list is null
//
// Only what the event log fixes for good is hashed: no display name (names
// are joined at read time and become "Deleted user" on deletion) and no
// personal data (rows hold none; sealed data is erased on deletion), so the
// chain never needs rewriting, and a rebuild from position 0 reproduces it
// bit for bit. The feed position is stored but not hashed: the stream
// version places an entry in the log independently of the event store
// that numbered the feed. The table stores the stream version and the hash
// (bytea); the API and CSV show the hash in hex.
//
// The projector reads each tenant's last hash once per batch, in the
// batch's transaction (projections.Preparer), chains the batch in memory
// and loads it with COPY. Verify recomputes a tenant's chain from its event
// stream and reports the first row that is missing, extra or altered.
package audit
