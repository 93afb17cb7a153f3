package projectionfeed

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// unreachable reports whether err says the database could not be reached
// or could not serve now — a lost connection (pgoutage's reading of it), a
// serialization failure or deadlock, resources exhausted, the server
// shutting down or cancelling statements, an I/O error — rather than that
// it refused what it was asked. Such errors are waited out and retried;
// they say nothing about the event being applied, so they must never be
// recorded as its tenant's failure.
func unreachable(err error) bool {
	if errors.Is(pgoutage.Read(err), eventstore.ErrUnavailable) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code[:2] {
	case "40", // transaction rollback: serialization failure, deadlock
		"53", // insufficient resources: disk full, out of memory, too many connections
		"57", // operator intervention: shutdown, cannot connect now, query canceled
		"58": // system error: I/O error
		return true
	}
	return false
}
