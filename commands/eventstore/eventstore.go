package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrVersionConflict is returned (wrapped) by Append when the stream is not at
// the expected version. It is the only error a caller should retry on.
var ErrVersionConflict = errors.New("eventstore: version conflict")

// ErrEventIDReused is returned (wrapped) by Append when some, but not all, of
// the new events' ids are already stored, or are stored in another stream or
// order: the batch is neither new nor a retry of an earlier append.
var ErrEventIDReused = errors.New("eventstore: event id reused")

// ErrFeedBehind is returned (wrapped) by a read served from a copy of the
// event store (KurrentDB's feed in PostgreSQL) when the copy has not caught
// up with the store within the read's time: answered as lagging, never from
// a stale copy.
var ErrFeedBehind = errors.New("eventstore: the copy of the event store has not caught up in time")

// ErrUnavailable is returned (wrapped) when the event store, or the database
// a command keeps beside it (keys, sessions, idempotency records,
// snapshots), could not be reached: nothing of the operation was stored. A
// retry may succeed once the store is back.
var ErrUnavailable = errors.New("eventstore: the store could not be reached")

// ErrOutcomeUnknown is returned (wrapped) when an append, or a write that
// commits with one, was sent and the connection broke before its outcome
// came back: its events may or may not be stored. Appending the same
// events again (the same ids) finds them if they were.
var ErrOutcomeUnknown = errors.New("eventstore: the append was sent but its outcome is unknown")

// AfterAppend classifies an error met after an append stored, or may have
// stored, its events (reading them back, destroying keys after them): a
// store that could not be reached then leaves the outcome unknown, and
// ErrUnavailable, which says nothing was stored, becomes ErrOutcomeUnknown.
// Other errors are returned as they are.
func AfterAppend(err error) error {
	if errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("%w: %v", ErrOutcomeUnknown, err)
	}
	return err
}

// ExpectedVersion states what the writer believes about a stream before an
// append. Build one with Any, NoStream or Exact.
type ExpectedVersion struct {
	kind    expectKind
	version int64
}

type expectKind uint8

const (
	expectAny expectKind = iota
	expectExact
)

// Any accepts the stream at whatever version it is, including absent.
func Any() ExpectedVersion { return ExpectedVersion{kind: expectAny} }

// NoStream requires that the stream has no events yet.
func NoStream() ExpectedVersion { return Exact(0) }

// Exact requires that the stream's last event has version v (0: no events).
func Exact(v int64) ExpectedVersion { return ExpectedVersion{kind: expectExact, version: v} }

// IsAny reports whether the append accepts any current version.
func (e ExpectedVersion) IsAny() bool { return e.kind == expectAny }

// Version is the required current version; meaningful only when !IsAny().
func (e ExpectedVersion) Version() int64 { return e.version }

// String renders the expectation for error messages.
func (e ExpectedVersion) String() string {
	if e.IsAny() {
		return "any"
	}
	return strconv.FormatInt(e.version, 10)
}

// Position is a place in the global order of all events of a store. Positions
// compare by (Commit, Prepare). For the PostgreSQL store Commit is the
// appending transaction's id and Prepare the global sequence number; for
// KurrentDB they are the commit and prepare positions of $all. The zero
// Position is before every event.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Compare returns -1, 0 or +1 as p is before, equal to or after q.
func (p Position) Compare(q Position) int {
	switch {
	case p.Commit < q.Commit:
		return -1
	case p.Commit > q.Commit:
		return 1
	case p.Prepare < q.Prepare:
		return -1
	case p.Prepare > q.Prepare:
		return 1
	}
	return 0
}

// IsZero reports whether p is the start of the feed.
func (p Position) IsZero() bool { return p == Position{} }

// String is the opaque form clients see ("position" in API replies):
// "<commit>-<prepare>". ParsePosition reverses it.
func (p Position) String() string {
	return strconv.FormatUint(p.Commit, 10) + "-" + strconv.FormatUint(p.Prepare, 10)
}

// ParsePosition parses the form produced by Position.String.
func ParsePosition(s string) (Position, error) {
	commit, prepare, ok := strings.Cut(s, "-")
	if !ok {
		return Position{}, fmt.Errorf("eventstore: position %q: want <commit>-<prepare>", s)
	}
	c, err1 := strconv.ParseUint(commit, 10, 64)
	p, err2 := strconv.ParseUint(prepare, 10, 64)
	if err1 != nil || err2 != nil {
		return Position{}, fmt.Errorf("eventstore: position %q: want two unsigned integers", s)
	}
	return Position{Commit: c, Prepare: p}, nil
}

// NewEvent is an event to append. ID must be unique in the store: re-appending
// the same ids to the same stream is how a retried append stays idempotent.
// Payload and Metadata must be JSON documents (Metadata may be empty).
type NewEvent struct {
	ID            string // UUID
	Type          string
	SchemaVersion int
	Payload       []byte
	Metadata      []byte
	OccurredAt    time.Time
}

// RecordedEvent is a stored event as read back from a stream or the feed.
type RecordedEvent struct {
	Position      Position
	StreamID      string
	StreamVersion int64 // 1 for a stream's first event
	ID            string
	Type          string
	SchemaVersion int
	Payload       []byte
	Metadata      []byte
	OccurredAt    time.Time
}

// AppendResult tells where an append's events landed: the stream's version and
// the feed position after its last event. For an idempotent re-append it
// describes the events stored by the original append.
type AppendResult struct {
	StreamVersion int64
	Position      Position
}

// Appender writes events to one stream atomically.
type Appender interface {
	// Append stores events at the end of stream if the stream is at expected,
	// all or nothing. A stream that is elsewhere fails with ErrVersionConflict.
	// Re-appending a batch whose ids are already stored, in that stream and
	// order, succeeds without writing and reports the original result.
	Append(ctx context.Context, stream string, expected ExpectedVersion, events []NewEvent) (AppendResult, error)
}

// StreamReader reads one stream in version order.
type StreamReader interface {
	// ReadStream returns at most limit events of stream with a version greater
	// than after, in version order. An absent stream reads as no events.
	ReadStream(ctx context.Context, stream string, after int64, limit int) ([]RecordedEvent, error)
}

// Feed delivers every event of the store once, in one global order that
// respects each stream's order, and never skips an event — not even one whose
// transaction committed after a later-numbered one was already delivered.
type Feed interface {
	// ReadAll returns at most limit events after position after, in feed order.
	ReadAll(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)
	// Subscribe calls handle with consecutive batches of events after position
	// after: first the history (catch-up), then new events as they are stored
	// (live), until ctx ends (returns ctx.Err()) or handle fails (returns its
	// error). A batch is never empty.
	Subscribe(ctx context.Context, after Position, handle func(context.Context, []RecordedEvent) error) error
}

// Store is an event store: what commands write through and projections are
// fed from. Adapters live in infra and must pass eventstoretest.Run.
type Store interface {
	Appender
	StreamReader
	Feed
}
