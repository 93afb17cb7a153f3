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
package audit
