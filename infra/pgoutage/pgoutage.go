package pgoutage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
)

// Read classifies the error of an operation whose loss leaves nothing a
// client waits for stored: a read, a write inside a transaction that has
// not committed (a broken connection rolls it back), or a write that is no
// command's outcome (a key made before its events, an idempotency claim).
// A lost connection, or one that could not be made, is returned wrapped in
// eventstore.ErrUnavailable; any other error as it is.
func Read(err error) error {
	if !lost(err) {
		return err
	}
	return classified(eventstore.ErrUnavailable, err)
}

// Commit classifies the error of a statement that commits a command's
// outcome (an append outside a transaction, a pipeline, COMMIT): a lost
// connection is eventstore.ErrUnavailable only when pgx guarantees that
// nothing was sent (no connection, or it failed before writing);
// otherwise the statement may have committed before the connection broke,
// and it is eventstore.ErrOutcomeUnknown. Any other error is returned as
// it is.
func Commit(err error) error {
	switch {
	case !lost(err):
		return err
	case notSent(err):
		return classified(eventstore.ErrUnavailable, err)
	}
	return classified(eventstore.ErrOutcomeUnknown, err)
}

// classified wraps the sentinel and only the text of err: the chain of a
// lost connection is cut, so that no caller reads it as the refusal of a
// statement (a PgError, a failed statement of a pipeline) and acts on it.
func classified(sentinel, err error) error {
	return fmt.Errorf("%w: %v", sentinel, err)
}

// lost reports whether err says the connection to PostgreSQL failed or
// could not be made: a connection error, SQLSTATE class 08 (connection
// exception) or 57P01–57P03 (the server shutting down, crashed, or not
// accepting connections yet), a closed connection, a broken socket, or a
// deadline passed waiting for the server. The caller's own cancellation
// is not an outage, nor is an error classified already.
func lost(err error) bool {
	var connect *pgconn.ConnectError
	var pgErr *pgconn.PgError
	var netErr net.Error
	switch {
	case err == nil, errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, eventstore.ErrOutcomeUnknown):
		return false
	case errors.As(err, &connect):
		return true
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	case errors.Is(err, context.Canceled):
		return false
	}
	return pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr)
}

// notSent reports whether pgx guarantees that nothing of the failed
// operation reached the server: no connection could be made, or pgx says
// it is safe to retry — except for a closed connection. pgx (v5.12.0)
// reports a connection that broke while the reply of a statement already
// sent was being read as "conn closed", which it deems safe to retry: the
// result reader peeks at the next message, the failed peek closes the
// connection, and the next receive finds it closed (pgconn's
// MultiResultReader.NextResult; pgx issue #2428 is the like case of "conn
// busy"). Such a statement may have committed.
func notSent(err error) bool {
	var connect *pgconn.ConnectError
	return errors.As(err, &connect) || (pgconn.SafeToRetry(err) && !errors.Is(err, pgconn.ErrConnClosed))
}
