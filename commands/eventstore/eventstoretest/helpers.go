package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
)

// deadline bounds every wait on a condition; it is a failure limit, not a pace.
const deadline = 20 * time.Second

func newEvents(n int, label string) []eventstore.NewEvent {
	events := make([]eventstore.NewEvent, n)
	for i := range events {
		events[i] = eventstore.NewEvent{
			ID:            uuid.NewString(),
			Type:          "TestHappened",
			SchemaVersion: 1,
			Payload:       fmt.Appendf(nil, `{"label":%q,"n":%d}`, label, i),
			Metadata:      []byte(`{"actor":"system"}`),
			OccurredAt:    time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC),
		}
	}
	return events
}

func mustAppend(t *testing.T, s eventstore.Appender, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), stream, expected, events)
	if err != nil {
		t.Fatalf("append %d events to %s expecting %s: %v", len(events), stream, expected, err)
	}
	return res
}

func readStream(t *testing.T, s eventstore.StreamReader, stream string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadStream(context.Background(), stream, 0, 1_000_000)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return events
}

// settledReadAll waits until the feed after position after has delivered n
// events to a subscription, then returns one ReadAll of them. Waiting matters:
// a store may hold events back while older transactions are still running
// (for PostgreSQL, any transaction in the cluster), so a read made right after
// an append may see fewer events than exist, though never out of order.
func settledReadAll(t *testing.T, s eventstore.Feed, after eventstore.Position, n int) []eventstore.RecordedEvent {
	t.Helper()
	c, stop := startSubscription(t, s, after)
	delivered := c.waitFor(t, n)
	stop()
	events, err := s.ReadAll(context.Background(), after, 1_000_000)
	if err != nil {
		t.Fatalf("read feed: %v", err)
	}
	if len(events) != n || !equalStrings(ids(events), ids(delivered)) {
		t.Fatalf("ReadAll gives %d events, a subscription %d, want %d in one order", len(events), len(delivered), n)
	}
	return events
}

func ids(events []eventstore.RecordedEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func newIDs(events []eventstore.NewEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// collector gathers what a subscription delivers and lets a test wait, with
// a deadline, until it has seen enough.
type collector struct {
	mu      sync.Mutex
	events  []eventstore.RecordedEvent
	changed chan struct{}
}

func (c *collector) handle(_ context.Context, batch []eventstore.RecordedEvent) error {
	if len(batch) == 0 {
		return errors.New("the store delivered an empty batch")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, batch...)
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
	return nil
}

// waitFor returns the delivered events once there are at least n of them.
func (c *collector) waitFor(t *testing.T, n int) []eventstore.RecordedEvent {
	t.Helper()
	timeout := time.NewTimer(deadline)
	defer timeout.Stop()
	for {
		c.mu.Lock()
		if len(c.events) >= n {
			got := append([]eventstore.RecordedEvent(nil), c.events...)
			c.mu.Unlock()
			return got
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed, have := c.changed, len(c.events)
		c.mu.Unlock()
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("subscription delivered %d events within %s, want %d", have, deadline, n)
		}
	}
}

// subscribe runs a subscription for the rest of the test.
func subscribe(t *testing.T, s eventstore.Feed, after eventstore.Position) *collector {
	t.Helper()
	c, stop := startSubscription(t, s, after)
	t.Cleanup(stop)
	return c
}

// startSubscription runs a subscription until stop is called; stop checks it
// ended only because it was cancelled.
func startSubscription(t *testing.T, s eventstore.Feed, after eventstore.Position) (*collector, func()) {
	t.Helper()
	c := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(ctx, after, c.handle) }()
	var once sync.Once
	return c, func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("subscription ended with %v, want context.Canceled", err)
			}
		})
	}
}

// assertFeedOrder checks positions strictly increase and each stream's
// versions follow one another.
func assertFeedOrder(t *testing.T, events []eventstore.RecordedEvent) {
	t.Helper()
	last := map[string]int64{}
	for i, e := range events {
		if i > 0 && events[i-1].Position.Compare(e.Position) >= 0 {
			t.Fatalf("feed position %s at index %d does not follow %s", e.Position, i, events[i-1].Position)
		}
		if e.StreamVersion != last[e.StreamID]+1 {
			t.Fatalf("feed gives %s version %d after version %d", e.StreamID, e.StreamVersion, last[e.StreamID])
		}
		last[e.StreamID] = e.StreamVersion
	}
}
