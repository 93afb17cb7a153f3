package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/rosterhq/roster/commands/eventstore"
)

// readAllPage bounds one $all read while paging.
const readAllPage = 4096

// ReadStream implements eventstore.StreamReader: one forward read from the
// revision of version after+1 (reads are inclusive). An absent stream reads
// as no events.
func (s *Store) ReadStream(ctx context.Context, stream string, after int64, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		return nil, nil
	}
	client := s.conn()
	rs, err := client.ReadStream(ctx, s.name(stream), esdb.ReadStreamOptions{Direction: esdb.Forwards,
		From: esdb.Revision(uint64(max(after, 0)))}, uint64(limit))
	if err != nil {
		s.checkClosed(client, err)
		return nil, fmt.Errorf("kurrentdb: read %s: %w", stream, readError(err))
	}
	defer rs.Close()
	var out []eventstore.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		var esErr *esdb.Error
		if errors.As(err, &esErr) && esErr.Code() == esdb.ErrorCodeResourceNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("kurrentdb: read %s: %w", stream, readError(err))
		}
		e, err := fromRecorded(stream, ev.Event)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
}

// StreamEnd is the position of stream's last event (one backwards read),
// and false for an absent stream: how far a copy of the feed must have got
// to hold the whole stream as it is now. The position is the event's in
// $all, as the feed gives it.
func (s *Store) StreamEnd(ctx context.Context, stream string) (eventstore.Position, bool, error) {
	client := s.conn()
	rs, err := client.ReadStream(ctx, s.name(stream), esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil {
		s.checkClosed(client, err)
		return eventstore.Position{}, false, fmt.Errorf("kurrentdb: read the end of %s: %w", stream, readError(err))
	}
	defer rs.Close()
	ev, err := rs.Recv()
	var esErr *esdb.Error
	switch {
	case errors.Is(err, io.EOF), errors.As(err, &esErr) && esErr.Code() == esdb.ErrorCodeResourceNotFound:
		return eventstore.Position{}, false, nil
	case err != nil:
		return eventstore.Position{}, false, fmt.Errorf("kurrentdb: read the end of %s: %w", stream, readError(err))
	}
	p := ev.OriginalEvent().Position
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare}, true, nil
}

// ReadAll implements eventstore.Feed: the feed's events after position
// after, paging through $all (whose reads include their start position)
// and keeping the feed's streams.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	seen := after
	for len(out) < limit {
		page := min(limit-len(out)+1, readAllPage)
		n, err := s.readAllPage(ctx, &seen, page, limit, &out)
		if err != nil {
			return nil, fmt.Errorf("kurrentdb: read $all after %s: %w", after, readError(err))
		}
		if n < page {
			break
		}
	}
	return out, nil
}

// readAllPage reads up to page records of $all from *seen (inclusive),
// appends the feed's events after *seen to *out (at most limit in all),
// and moves *seen to the last record read. It returns the records read.
func (s *Store) readAllPage(ctx context.Context, seen *eventstore.Position, page, limit int, out *[]eventstore.RecordedEvent) (int, error) {
	client := s.conn()
	rs, err := client.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: allPosition(*seen)}, uint64(page))
	if err != nil {
		s.checkClosed(client, err)
		return 0, err
	}
	defer rs.Close()
	n := 0
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		r := ev.Event
		pos := eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
		if pos.Compare(*seen) <= 0 && !seen.IsZero() {
			continue
		}
		*seen = pos
		stream, ok := s.inFeed(r.StreamID)
		if !ok {
			continue
		}
		e, err := fromRecorded(stream, r)
		if err != nil {
			return n, err
		}
		if *out = append(*out, e); len(*out) == limit {
			return page, nil
		}
	}
}
