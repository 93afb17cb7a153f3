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

// ErrAppendTooLarge is returned (wrapped) when the server refuses an append
// bigger than its MaxAppendSize setting (1 MiB by default; the sum of the
// events' payloads, metadata and twice their types' lengths).
var ErrAppendTooLarge = errors.New("kurrentdb: append exceeds the server's maximum append size")

// Append implements eventstore.Appender with the expected revision. (The
// store declines the port's optional eventstore.SessionGuard: the sessions
// live in PostgreSQL, and no check there can share a KurrentDB append's
// atomic step, so callers check sessions before they append.) A
// refused expectation is ErrVersionConflict; with Any expected, the server
// refuses only a batch some of whose ids are stored in this stream and some
// not, which is ErrEventIDReused.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent) (eventstore.AppendResult, error) {
	if stream == "" || len(events) == 0 {
		return eventstore.AppendResult{}, fmt.Errorf("kurrentdb: append %q: a stream id and at least one event are required", stream)
	}
	data := make([]esdb.EventData, len(events))
	for i, e := range events {
		d, err := toEventData(e)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("kurrentdb: append %s: %w", stream, err)
		}
		data[i] = d
	}
	client := s.conn()
	res, err := client.AppendToStream(ctx, s.name(stream), esdb.AppendToStreamOptions{ExpectedRevision: revisionOf(expected)}, data...)
	if err != nil {
		s.checkClosed(client, err)
		return eventstore.AppendResult{}, appendError(stream, expected, err)
	}
	out := eventstore.AppendResult{
		StreamVersion: int64(res.NextExpectedVersion) + 1,
		Position:      eventstore.Position{Commit: res.CommitPosition, Prepare: res.PreparePosition},
	}
	if len(events) == 1 && !out.Position.IsZero() {
		return out, nil
	}
	// The server answers with the position of the append as a whole (or
	// none, for some idempotent answers); the port promises the position of
	// its last event, which one point read gives.
	last, err := s.ReadStream(ctx, stream, out.StreamVersion-1, 1)
	if err != nil { // the events are stored: "unavailable" would say they are not
		return eventstore.AppendResult{}, eventstore.AfterAppend(err)
	}
	if len(last) != 1 {
		return eventstore.AppendResult{}, fmt.Errorf("kurrentdb: append %s: version %d not readable after the append", stream, out.StreamVersion)
	}
	out.Position = last[0].Position
	return out, nil
}

func appendError(stream string, expected eventstore.ExpectedVersion, err error) error {
	var esErr *esdb.Error
	if errors.As(err, &esErr) && esErr.Code() == esdb.ErrorCodeWrongExpectedVersion {
		if expected.IsAny() {
			return fmt.Errorf("kurrentdb: append %s: some of the event ids are stored, some not: %w (%v)", stream, eventstore.ErrEventIDReused, err)
		}
		return fmt.Errorf("kurrentdb: append %s expecting version %s: %w (%v)", stream, expected, eventstore.ErrVersionConflict, err)
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.InvalidArgument && strings.Contains(st.Message(), "Maximum Append Size") {
		return fmt.Errorf("kurrentdb: append %s: %w (%v)", stream, ErrAppendTooLarge, err)
	}
	return fmt.Errorf("kurrentdb: append %s: %w", stream, appendOutage(err))
}
