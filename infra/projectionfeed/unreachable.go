package projectionfeed

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// unreachable reports whether err says the database could not be reached
// or went away (connection refused, closed or broken, server shutting down
// or restarting, too many connections, out of resources), rather than that
// it refused what it was asked. Such errors are waited out and retried;
// they say nothing about the event being applied, so they must never be
// recorded as its tenant's failure.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", // connection exception
			"40", // transaction rollback: serialization failure, deadlock
			"53", // insufficient resources: disk full, out of memory, too many connections
			"57", // operator intervention: shutdown, cannot connect now, query canceled
			"58": // system error: I/O error
			return true
		}
		return false
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.As(err, &netErr) || errors.As(err, &connectErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, context.DeadlineExceeded)
}
