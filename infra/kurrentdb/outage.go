package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rosterhq/roster/commands/eventstore"
)

// readError classifies the failure of a call that stores nothing: a server
// that could not be reached, or a call that broke, is
// eventstore.ErrUnavailable; any other error is returned as it is.
func readError(err error) error {
	if !unreachable(err) {
		return err
	}
	return fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
}

// appendOutage classifies the failure of AppendToStream: the append is
// eventstore.ErrUnavailable when it never reached the server complete, and
// eventstore.ErrOutcomeUnknown when the whole request was sent and the
// call broke (or its deadline passed) before the answer came back. The
// client (v4.2.0) returns the failures before the request was complete —
// no connection, no call, a message that could not be sent — wrapped in
// its own messages ("could not send append request. Reason: …"), and the
// failure of the final receive, after everything was sent, as the bare
// *esdb.Error; a client that has given up on the server answers
// ErrorCodeConnectionClosed before sending anything. The server appends
// only a complete request, so a call that broke before that stored nothing.
// Other errors are returned as they are.
func appendOutage(err error) error {
	if !unreachable(err) {
		return err
	}
	var bare *esdb.Error
	if errors.As(err, &bare) && error(bare) == err && bare.Code() != esdb.ErrorCodeConnectionClosed {
		return fmt.Errorf("%w: %v", eventstore.ErrOutcomeUnknown, err)
	}
	return fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
}

// unreachable reports whether err says the server could not be reached or
// the call broke: gRPC Unavailable or DeadlineExceeded, a client that has
// given up on the server (ErrorCodeConnectionClosed, or discovery that
// found no node), or a deadline passed waiting.
func unreachable(err error) bool {
	var esErr *esdb.Error
	if errors.As(err, &esErr) {
		switch esErr.Code() {
		case esdb.ErrorUnavailable, esdb.ErrorCodeDeadlineExceeded, esdb.ErrorCodeConnectionClosed:
			return true
		}
	}
	if st, ok := status.FromError(err); ok && (st.Code() == codes.Unavailable || st.Code() == codes.DeadlineExceeded) {
		return true
	}
	// The client reports a failed discovery in a plain error of its own.
	return errors.Is(err, context.DeadlineExceeded) || (err != nil && strings.Contains(err.Error(), "maximum discovery attempt count reached"))
}
