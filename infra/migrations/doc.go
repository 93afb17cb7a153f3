// Package migrations owns the PostgreSQL schema of the event store and the
// other tables outside the projections, as numbered SQL files embedded in the
// binary and applied with goose ("roster migrate", and at start-up of serve).
package migrations
