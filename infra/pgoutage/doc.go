// Package pgoutage tells, from an error of pgx, whether PostgreSQL could not
// be reached and, for a statement that commits, whether it may have been
// stored. It is the one classifier that every PostgreSQL adapter shares:
// they wrap their errors with it in the event store port's sentinels
// (eventstore.ErrUnavailable, eventstore.ErrOutcomeUnknown), which the
// command side and the HTTP surface turn into 503 unavailable and 503
// outcome_unknown.
package pgoutage
