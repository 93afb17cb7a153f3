package projectionfeed_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
)

// countingFeed is the store's feed, counting the history pages read in full
// after each position.
type countingFeed struct {
	eventstore.Feed
	mu        sync.Mutex
	fullReads map[eventstore.Position]int
}

func (f *countingFeed) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := f.Feed.ReadAll(ctx, after, limit)
	if err == nil && len(events) == limit {
		f.mu.Lock()
		f.fullReads[after]++
		f.mu.Unlock()
	}
	return events, err
}

// historyOf appends n seat changes and waits until the feed shows them all
// (no transaction of another test holds them back), so that every read of
// them returns full pages.
func historyOf(t *testing.T, w *projectiontest.World, n int) eventstore.Position {
	t.Helper()
	var last eventstore.Position
	for from := 0; from < n; from += 1000 { // appends of at most 1,000: a KurrentDB append is one gRPC message
		events := make([]domain.Event, min(1000, n-from))
		for i := range events {
			events[i] = domain.SeatsChanged{Seats: from + i + 1}
		}
		last = w.Append("acme", events...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := errors.New("the last event is visible")
	err := w.Store.Subscribe(ctx, eventstore.Position{}, func(_ context.Context, b []eventstore.RecordedEvent) error {
		if b[len(b)-1].Position == last {
			return seen
		}
		return nil
	})
	if !errors.Is(err, seen) {
		t.Fatalf("history not visible: %v", err)
	}
	return last
}

// consume acks every message of a subscription and returns the events, one
// slice per message, until the last position arrives.
func consume(messages <-chan *message.Message, last eventstore.Position) ([][]projections.Event, error) {
	var batches [][]projections.Event
	for msg := range messages {
		events, err := projections.EventsOf(msg)
		if err != nil {
			return nil, err
		}
		msg.Ack()
		batches = append(batches, events)
		if events[len(events)-1].Position == last {
			return batches, nil
		}
	}
	return nil, fmt.Errorf("the subscription ended before %s", last)
}

func subscriber(t *testing.T, w *projectiontest.World, feed eventstore.Feed, checkpoints map[string]eventstore.Position) *projectionfeed.Subscriber {
	t.Helper()
	s := projectionfeed.NewSubscriber(feed, func(_ context.Context, name string) (eventstore.Position, error) {
		return checkpoints[name], nil
	}, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestProjectorsCatchingUpTogetherReadEachPageOfHistoryOnce(t *testing.T) {
	w := projectiontest.New(t)
	last := historyOf(t, w, 2500)
	feed := &countingFeed{Feed: w.Store, fullReads: map[eventstore.Position]int{}}
	s := subscriber(t, w, feed, nil)
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		messages, err := s.Subscribe(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			batches, err := consume(messages, last)
			events := 0
			for _, batch := range batches {
				events += len(batch)
			}
			if err != nil || events != 2500 {
				t.Errorf("%s got %d events (%v), want 2500", name, events, err)
			}
		}()
	}
	wg.Wait()
	feed.mu.Lock()
	defer feed.mu.Unlock()
	if len(feed.fullReads) != 2 {
		t.Errorf("full pages read: %v, want the two pages of history", feed.fullReads)
	}
	for after, reads := range feed.fullReads {
		if reads != 1 {
			t.Errorf("the page after %s was read %d times, want once", after, reads)
		}
	}
}

func TestAProjectorResumingInsideAKeptPageGetsTheRestOfIt(t *testing.T) {
	w := projectiontest.New(t)
	last := historyOf(t, w, 2500)
	feed := &countingFeed{Feed: w.Store, fullReads: map[eventstore.Position]int{}}
	checkpoints := map[string]eventstore.Position{}
	s := subscriber(t, w, feed, checkpoints)
	first, err := s.Subscribe(context.Background(), "first")
	if err != nil {
		t.Fatal(err)
	}
	page := <-first // read and kept; not acked yet, so "first" reads no further
	events, _ := projections.EventsOf(page)
	checkpoints["resumed"] = events[399].Position
	resumed, err := s.Subscribe(context.Background(), "resumed")
	if err != nil {
		t.Fatal(err)
	}
	page.Ack()
	batches, err := consume(resumed, last)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches[0]) != 600 || batches[0][0].Position != events[400].Position {
		t.Fatalf("resumed after event 400 of the first page: got a batch of %d from %s, want the page's other 600 from %s",
			len(batches[0]), batches[0][0].Position, events[400].Position)
	}
	feed.mu.Lock()
	defer feed.mu.Unlock()
	for after, reads := range feed.fullReads {
		if reads != 1 {
			t.Errorf("the page after %s was read %d times, want once", after, reads)
		}
	}
}

func TestAProjectorFarBehindTheOthersReadsNoPageOfHistoryAgain(t *testing.T) {
	w := projectiontest.New(t)
	const pages = 24 // more than the subscriber keeps
	last := historyOf(t, w, pages*1000)
	feed := &countingFeed{Feed: w.Store, fullReads: map[eventstore.Position]int{}}
	s := subscriber(t, w, feed, nil)
	fast, err := s.Subscribe(context.Background(), "fast")
	if err != nil {
		t.Fatal(err)
	}
	slow, err := s.Subscribe(context.Background(), "slow")
	if err != nil {
		t.Fatal(err)
	}
	var fastPages atomic.Int64
	done := make(chan error, 1)
	go func() {
		for msg := range fast {
			events, err := projections.EventsOf(msg)
			if err != nil {
				done <- err
				return
			}
			msg.Ack()
			fastPages.Add(1)
			if events[len(events)-1].Position == last {
				done <- nil
				return
			}
		}
		done <- errors.New("fast's subscription ended before the last event")
	}()
	// slow takes its next page only once fast is 20 pages ahead of it (more
	// than are kept), has finished, or waits for slow to come closer.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	taken := 0
	for msg := range slow {
		events, err := projections.EventsOf(msg)
		if err != nil {
			t.Fatal(err)
		}
		for fastPages.Load() < int64(taken+20) && s.Waiting() == 0 && len(done) == 0 {
			select {
			case <-ctx.Done():
				t.Fatalf("fast neither ran 20 pages ahead of slow nor waited for it (fast consumed %d pages)", fastPages.Load())
			case <-poll.C:
			}
		}
		msg.Ack()
		taken++
		if events[len(events)-1].Position == last {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	feed.mu.Lock()
	defer feed.mu.Unlock()
	if len(feed.fullReads) != pages {
		t.Errorf("full pages read after %d positions, want the %d pages of history", len(feed.fullReads), pages)
	}
	for after, reads := range feed.fullReads {
		if reads != 1 {
			t.Errorf("the page after %s was read %d times, want once", after, reads)
		}
	}
}

// subscribingFeed is the store's feed, counting its live subscriptions.
type subscribingFeed struct {
	eventstore.Feed
	subscriptions atomic.Int64
}

func (f *subscribingFeed) Subscribe(ctx context.Context, after eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent) error) error {
	f.subscriptions.Add(1)
	return f.Feed.Subscribe(ctx, after, handle)
}

// lastEvent is the position of the last event a test appends, known once
// it is set: a follower may well have consumed it before.
type lastEvent struct {
	at    eventstore.Position
	known chan struct{}
}

func newLastEvent() *lastEvent { return &lastEvent{known: make(chan struct{})} }

// set makes at the last event (once).
func (l *lastEvent) set(at eventstore.Position) {
	l.at = at
	close(l.known)
}

// follow acks every message of a subscription, recording each event's
// position in order, until the last event has arrived; then it reports done.
func follow(t *testing.T, messages <-chan *message.Message, last *lastEvent, done chan<- []eventstore.Position) {
	var seen []eventstore.Position
	known := last.known
	for {
		select {
		case <-known:
			known = nil // last.at is set; it stays so
		case msg, ok := <-messages:
			if !ok {
				t.Error("a subscription ended before the last event")
				return
			}
			events, err := projections.EventsOf(msg)
			if err != nil {
				t.Error(err)
				return
			}
			msg.Ack()
			for _, e := range events {
				seen = append(seen, e.Position)
			}
		}
		if known == nil && len(seen) > 0 && seen[len(seen)-1].Compare(last.at) >= 0 {
			done <- seen
			return
		}
	}
}

func TestProjectorsFollowingTheLiveFeedShareOneSubscriptionToIt(t *testing.T) {
	w := projectiontest.New(t)
	historyOf(t, w, 10)
	feed := &subscribingFeed{Feed: w.Store}
	s := subscriber(t, w, feed, nil)
	last := newLastEvent()
	done := make(chan []eventstore.Position, 3)
	for _, name := range []string{"a", "b", "c"} {
		messages, err := s.Subscribe(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		go follow(t, messages, last, done)
	}
	var appended []eventstore.Position
	for i := range 30 { // one append at a time, each a live batch of its own or a few
		at := w.Append("acme", domain.SeatsChanged{Seats: 100 + i})
		appended = append(appended, at)
	}
	last.set(appended[len(appended)-1])
	for range 3 {
		select {
		case seen := <-done:
			if len(seen) < 40 || seen[len(seen)-30] != appended[0] {
				t.Errorf("a follower saw %d events, the 30 appended ending its %d: want every event, in order", len(seen), len(seen))
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the followers did not all see the last event within 30 s")
		}
	}
	if n := feed.subscriptions.Load(); n != 1 {
		t.Errorf("%d live subscriptions to the feed for 3 projectors, want 1 shared", n)
	}
}

func TestAStalledFollowerHoldsNoOtherBackAndMissesNoEvent(t *testing.T) {
	w := projectiontest.New(t)
	historyOf(t, w, 10)
	s := subscriber(t, w, w.Store, nil)
	last := newLastEvent()
	stalled, err := s.Subscribe(context.Background(), "stalled")
	if err != nil {
		t.Fatal(err)
	}
	first := <-stalled // history, held unacked while everything else happens
	running, err := s.Subscribe(context.Background(), "running")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []eventstore.Position, 2)
	go follow(t, running, last, done)
	var appended []eventstore.Position
	for i := range 150 { // more batches than a follower's queue holds
		appended = append(appended, w.Append("acme", domain.SeatsChanged{Seats: 100 + i}))
	}
	last.set(appended[len(appended)-1])
	var want []eventstore.Position
	select {
	case want = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the running follower was held back by the stalled one")
	}
	first.Ack()
	events, _ := projections.EventsOf(first)
	got := []eventstore.Position{}
	for _, e := range events {
		got = append(got, e.Position)
	}
	go follow(t, stalled, last, done)
	select {
	case rest := <-done:
		got = append(got, rest...)
	case <-time.After(30 * time.Second):
		t.Fatal("the stalled follower, released, did not reach the last event")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the stalled follower saw %d events, the running one %d: want the same events in the same order", len(got), len(want))
	}
}

// pickySubscription subscribes, after 10 events of history, a projector
// that takes only TenantPolicyChanged, telling status of the events it
// passes, its stored checkpoint lingering behind them for linger.
func pickySubscription(t *testing.T, status *projections.Status, linger time.Duration) (*projectiontest.World, <-chan *message.Message) {
	t.Helper()
	w := projectiontest.New(t)
	historyOf(t, w, 10)
	s := subscriber(t, w, w.Store, nil)
	s.Following("picky", func(eventType string) bool { return eventType == "TenantPolicyChanged" }, status, linger)
	messages, err := s.Subscribe(context.Background(), "picky")
	if err != nil {
		t.Fatal(err)
	}
	return w, messages
}

// A projector following the live feed has nothing to write for the events
// it has no interest in, only its checkpoint to move. Its status moves at
// once, and its stored checkpoint with its next batch: each such batch cost
// a transaction of its own per projector, 3 of the 9 round trips of the
// read side per batch in the lag bench.
func TestAProjectorPassesTheEventsItIgnoresAndStoresThemWithItsNextBatch(t *testing.T) {
	status := projections.NewStatus()
	w, messages := pickySubscription(t, status, time.Hour)
	var ignored eventstore.Position
	for i := range 10 {
		ignored = w.Append("acme", domain.SeatsChanged{Seats: 100 + i})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := status.WaitFor(ctx, ignored, "picky"); err != nil {
		t.Fatalf("the status of the projector never passed the events it ignores: %v", err)
	}
	select {
	case msg := <-messages:
		events, _ := projections.EventsOf(msg)
		t.Fatalf("the projector was handed %d events it ignores, with nothing else, before its linger", len(events))
	default:
	}
	taken := w.Append("acme", domain.TenantPolicyChanged{Preset: "custom"})
	select {
	case msg := <-messages:
		events, err := projections.EventsOf(msg)
		if err != nil {
			t.Fatal(err)
		}
		msg.Ack()
		if len(events) != 21 || events[len(events)-1].Position != taken || events[len(events)-2].Position != ignored {
			t.Fatalf("the next batch has %d events, ending at %s: want the 20 ignored and the one taken, ending at %s",
				len(events), events[len(events)-1].Position, taken)
		}
	case <-ctx.Done():
		t.Fatal("the event the projector takes was never delivered")
	}
}

// With no next batch, the stored checkpoint follows the events a projector
// ignores once they have lingered.
func TestAProjectorStoresTheEventsItIgnoresOnceTheyHaveLingered(t *testing.T) {
	w, messages := pickySubscription(t, projections.NewStatus(), 10*time.Millisecond)
	var last eventstore.Position
	for i := range 5 {
		last = w.Append("acme", domain.SeatsChanged{Seats: 100 + i})
	}
	done := make(chan error, 1)
	go func() {
		batches, err := consume(messages, last)
		events := 0
		for _, b := range batches {
			events += len(b)
		}
		if err == nil && events != 15 {
			err = fmt.Errorf("delivered %d events, want the 15 of the feed", events)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the events the projector ignores were never delivered for its checkpoint")
	}
}
