package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
)

func testOrdering(t *testing.T, h Harness) {
	s := h.Store
	for round := range 5 {
		for _, stream := range []string{"a", "b", "c"} {
			mustAppend(t, s, stream, eventstore.Any(), newEvents(round+1, stream))
		}
	}
	for _, stream := range []string{"a", "b", "c"} {
		events := readStream(t, s, stream)
		if len(events) != 15 {
			t.Fatalf("stream %s has %d events, want 15", stream, len(events))
		}
		tail, err := s.ReadStream(context.Background(), stream, 10, 3)
		if err != nil || len(tail) != 3 || tail[0].StreamVersion != 11 {
			t.Fatalf("read %s after 10 limit 3: %d events starting %v (%v)", stream, len(tail), tail, err)
		}
	}
	all := settledReadAll(t, s, eventstore.Position{}, 45)
	assertFeedOrder(t, all)
	var paged []eventstore.RecordedEvent
	for after := (eventstore.Position{}); ; {
		page, err := s.ReadAll(context.Background(), after, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged, after = append(paged, page...), page[len(page)-1].Position
	}
	if !equalStrings(ids(paged), ids(all)) {
		t.Fatal("reading the feed in pages of 7 gives another order than one read")
	}
	if got := readStream(t, s, "absent"); len(got) != 0 {
		t.Fatalf("an absent stream reads %d events", len(got))
	}
}

func testSubscribeCatchUpThenLive(t *testing.T, h Harness) {
	s := h.Store
	var total int
	for i := range 30 {
		mustAppend(t, s, fmt.Sprintf("history-%d", i%4), eventstore.Any(), newEvents(1+i%3, "history"))
		total += 1 + i%3
	}
	history := settledReadAll(t, s, eventstore.Position{}, total)
	c := subscribe(t, s, eventstore.Position{})
	got := c.waitFor(t, len(history))
	if !equalStrings(ids(got[:len(history)]), ids(history)) {
		t.Fatal("catch-up delivered the history in another order than ReadAll")
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				mustAppend(t, s, fmt.Sprintf("live-%d", w), eventstore.Any(), newEvents(1, "live"))
			}
		}()
	}
	wg.Wait()
	total += 4 * 10
	got = c.waitFor(t, total)
	all := settledReadAll(t, s, eventstore.Position{}, total)
	if len(got) != len(all) || !equalStrings(ids(got), ids(all)) {
		t.Fatalf("subscription delivered %d events, ReadAll has %d, or in another order", len(got), len(all))
	}
	assertFeedOrder(t, got)
}

func testSubscribeFromPosition(t *testing.T, h Harness) {
	s := h.Store
	mustAppend(t, s, "p", eventstore.NoStream(), newEvents(5, "before"))
	mid := settledReadAll(t, s, eventstore.Position{}, 5)[2].Position
	c := subscribe(t, s, mid)
	mustAppend(t, s, "p", eventstore.Exact(5), newEvents(1, "after"))
	got := c.waitFor(t, 3)
	if len(got) != 3 || got[0].StreamVersion != 4 || got[2].StreamVersion != 6 {
		t.Fatalf("subscription after version 3 delivered versions %v", versions(got))
	}
}

func versions(events []eventstore.RecordedEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.StreamVersion
	}
	return out
}

func testSubscribeHandlerError(t *testing.T, h Harness) {
	s := h.Store
	mustAppend(t, s, "h", eventstore.NoStream(), newEvents(2, "x"))
	poison := errors.New("poison event")
	err := s.Subscribe(context.Background(), eventstore.Position{}, func(context.Context, []eventstore.RecordedEvent) error {
		return poison
	})
	if !errors.Is(err, poison) {
		t.Fatalf("subscribe returned %v, want the handler's error", err)
	}
}

// testFeedUnderConcurrentWriters lets many writers race while a subscriber
// reads live: whatever their commit order, it must see every event once.
func testFeedUnderConcurrentWriters(t *testing.T, h Harness) {
	s := h.Store
	c := subscribe(t, s, eventstore.Position{})
	const writers, appends = 16, 25
	total := writers * (appends + appends/2) // appends alternate 1 and 2 events
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range appends {
				mustAppend(t, s, fmt.Sprintf("w-%d", w%5), eventstore.Any(), newEvents(1+i%2, "concurrent"))
			}
		}()
	}
	wg.Wait()
	got := c.waitFor(t, total)
	all := settledReadAll(t, s, eventstore.Position{}, total)
	if !equalStrings(ids(got), ids(all)) {
		t.Fatalf("subscription delivered %d events, the store holds %d (or another order)", len(got), len(all))
	}
	assertFeedOrder(t, got)
}

// testLateCommit: A appends first but commits after B. A reader that reads
// while A is still open, then resumes from its last position, must get A.
func testLateCommit(t *testing.T, h Harness) {
	ctx, s := context.Background(), h.Store
	live := subscribe(t, s, eventstore.Position{})
	eventsA, eventsB := newEvents(1, "A"), newEvents(1, "B")
	commitA, err := h.AppendUncommitted(ctx, "late-a", eventstore.NoStream(), eventsA)
	if err != nil {
		t.Fatal(err)
	}
	commitB, err := h.AppendUncommitted(ctx, "late-b", eventstore.NoStream(), eventsB)
	if err != nil {
		t.Fatal(err)
	}
	if err := commitB(ctx); err != nil {
		t.Fatal(err)
	}
	// B is committed and A is not: whatever the reader gets now, it keeps.
	seenBefore, err := s.ReadAll(ctx, eventstore.Position{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	resumeAfter := eventstore.Position{}
	if n := len(seenBefore); n > 0 {
		resumeAfter = seenBefore[n-1].Position
	}
	if err := commitA(ctx); err != nil {
		t.Fatal(err)
	}
	seen := append(seenBefore, settledReadAll(t, s, resumeAfter, 2-len(seenBefore))...)
	want := map[string]bool{eventsA[0].ID: true, eventsB[0].ID: true}
	if len(seen) != 2 || !want[seen[0].ID] || !want[seen[1].ID] || seen[0].ID == seen[1].ID {
		t.Fatalf("a reader resuming from its last position saw %v, want A and B once each", ids(seen))
	}
	if got := live.waitFor(t, 2); len(got) != 2 || got[0].ID == got[1].ID {
		t.Fatalf("the live subscription delivered %v, want A and B once each", ids(got))
	}
}
