package kurrentdb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/eventstore/eventstoretest"
	"github.com/rosterhq/roster/infra/kurrentdb"
	"github.com/rosterhq/roster/infra/kurrentdb/kurrentdbfake"
)

// composeMaxAppendSize is KURRENTDB_MAX_APPEND_SIZE in docker-compose.yml:
// the contract's 1 MiB payload plus its metadata exceeds the server's
// default of exactly 1 MiB.
const composeMaxAppendSize = 4 << 20

// startFake runs a fake KurrentDB for the rest of the test.
func startFake(t *testing.T, opts kurrentdbfake.Options) *kurrentdbfake.Server {
	t.Helper()
	fake, err := kurrentdbfake.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	return fake
}

// open connects a store to url for the rest of the test, under a namespace
// of its own so that tests sharing a real server do not see each other.
func open(t *testing.T, url string) *kurrentdb.Store {
	t.Helper()
	ns := "t" + strings.ToLower(rand.Text()[:10]) + "-"
	store, err := kurrentdb.Open(url, kurrentdb.Options{Namespace: ns, FeedPrefixes: []string{""}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func harness(store *kurrentdb.Store) eventstoretest.Harness {
	// Appends are atomic at the server: no late commit exists to test.
	return eventstoretest.Harness{Store: store, EventIDsScopedToStream: true}
}

// The contract runs on the in-process fake always, and also on the real
// server at ROSTER_TEST_KURRENTDB_URL when one is configured (docker compose
// up kurrentdb, then ROSTER_TEST_KURRENTDB_URL=esdb://127.0.0.1:2113?tls=false):
// no KurrentDB can run on the machines this suite is usually run on, so the
// real-server run is an addition, never a skipped test.
func TestEventStoreContract(t *testing.T) {
	t.Run("fake", func(t *testing.T) {
		eventstoretest.Run(t, func(t *testing.T) eventstoretest.Harness {
			return harness(open(t, startFake(t, kurrentdbfake.Options{MaxAppendSize: composeMaxAppendSize}).URL()))
		})
	})
	if url := os.Getenv("ROSTER_TEST_KURRENTDB_URL"); url != "" {
		t.Run("real KurrentDB", func(t *testing.T) {
			eventstoretest.Run(t, func(t *testing.T) eventstoretest.Harness { return harness(open(t, url)) })
		})
	}
}

const deadline = 20 * time.Second

func events(n int) []eventstore.NewEvent {
	out := make([]eventstore.NewEvent, n)
	for i := range out {
		out[i] = eventstore.NewEvent{ID: uuid.NewString(), Type: "TestHappened", SchemaVersion: 1,
			Payload: fmt.Appendf(nil, `{"n":%d}`, i), OccurredAt: time.Now()}
	}
	return out
}

// received collects a subscription's batches and lets the test wait.
type received struct {
	mu        sync.Mutex
	ids       []string
	positions []eventstore.Position
	changed   chan struct{}
}

func newReceived() *received { return &received{changed: make(chan struct{})} }

func (r *received) handle(_ context.Context, batch []eventstore.RecordedEvent, pos eventstore.Position) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range batch {
		r.ids = append(r.ids, e.ID)
	}
	r.positions = append(r.positions, pos)
	close(r.changed)
	r.changed = make(chan struct{})
	return nil
}

// waitUntil waits, with the deadline, until ok holds of what was received.
func (r *received) waitUntil(t *testing.T, what string, ok func(ids []string, positions []eventstore.Position) bool) {
	t.Helper()
	timeout := time.After(deadline)
	for {
		r.mu.Lock()
		done, changed := ok(r.ids, r.positions), r.changed
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("not within %s: %s", deadline, what)
		}
	}
}

// run subscribes r from the start until the test ends (t.Context is
// cancelled before the cleanups run).
func run(t *testing.T, store *kurrentdb.Store, r *received) {
	done := make(chan error, 1)
	go func() { done <- store.SubscribeCheckpointed(t.Context(), eventstore.Position{}, r.handle) }()
	t.Cleanup(func() {
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("subscription ended with %v", err)
		}
	})
}

// A subscription the server drops, again and again while events are
// appended, resumes from its last position: every event once, in order.
func TestASubscriptionDroppedByTheServerResumesWithoutLossOrDuplicates(t *testing.T) {
	t.Parallel()
	fake := startFake(t, kurrentdbfake.Options{})
	store := open(t, fake.URL())
	r := newReceived()
	run(t, store, r)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var want []string
	for round := range 10 {
		if err := fake.AwaitSubscribers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			batch := events(1 + i%3)
			if _, err := store.Append(ctx, fmt.Sprintf("s-%d", i), eventstore.Any(), batch); err != nil {
				t.Fatal(err)
			}
			for _, e := range batch {
				want = append(want, e.ID)
			}
		}
		if round%2 == 0 { // half the drops while the history is still being delivered
			r.waitUntil(t, "the round's events delivered", func(ids []string, _ []eventstore.Position) bool { return len(ids) == len(want) })
		}
		if fake.DropSubscriptions() != 1 {
			t.Fatal("no subscription to drop")
		}
	}
	r.waitUntil(t, "every event delivered", func(ids []string, _ []eventstore.Position) bool { return len(ids) >= len(want) })
	r.mu.Lock()
	defer r.mu.Unlock()
	if fmt.Sprint(r.ids) != fmt.Sprint(want) {
		t.Fatalf("delivered %d events, want the %d appended once each in order", len(r.ids), len(want))
	}
}

// Events of streams outside the feed move the subscription's position by
// the server's checkpoints, so a resumed subscription does not rescan them.
func TestCheckpointsMoveThePositionPastFilteredOutEvents(t *testing.T) {
	t.Parallel()
	fake := startFake(t, kurrentdbfake.Options{})
	store, err := kurrentdb.Open(fake.URL(), kurrentdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	res, err := store.Append(ctx, "tenant-a", eventstore.NoStream(), events(1))
	if err != nil {
		t.Fatal(err)
	}
	var last eventstore.AppendResult
	for range 40 {
		if last, err = store.Append(ctx, "elsewhere", eventstore.Any(), events(1)); err != nil {
			t.Fatal(err)
		}
	}
	r := newReceived()
	run(t, store, r)
	r.waitUntil(t, "a position past the filtered-out events", func(ids []string, positions []eventstore.Position) bool {
		return len(positions) > 0 && positions[len(positions)-1] == last.Position
	})
	if fmt.Sprint(r.ids) != fmt.Sprint([]string{mustID(t, store, "tenant-a")}) || res.Position.Compare(last.Position) >= 0 {
		t.Fatalf("delivered %v, want only tenant-a's event", r.ids)
	}
	all, err := store.ReadAll(ctx, eventstore.Position{}, 100)
	if err != nil || len(all) != 1 {
		t.Fatalf("ReadAll gives %d events (%v), want tenant-a's only", len(all), err)
	}
}

func mustID(t *testing.T, store *kurrentdb.Store, stream string) string {
	t.Helper()
	got, err := store.ReadStream(context.Background(), stream, 0, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("read %s: %v", stream, err)
	}
	return got[0].ID
}

// A server with the default MaxAppendSize (1 MiB) refuses the contract's
// 1 MiB payload; the error says so.
func TestAnAppendAboveTheServersMaximumSizeIsRefusedClearly(t *testing.T) {
	t.Parallel()
	store := open(t, startFake(t, kurrentdbfake.Options{}).URL())
	big := events(1)
	big[0].Payload = append(append([]byte(`{"blob":"`), bytes.Repeat([]byte("x"), 1<<20)...), `"}`...)
	_, err := store.Append(context.Background(), "big", eventstore.NoStream(), big)
	if !errors.Is(err, kurrentdb.ErrAppendTooLarge) {
		t.Fatalf("got %v, want ErrAppendTooLarge", err)
	}
}

// A batch's result is the position of its last event, also when re-appended.
func TestABatchReportsThePositionOfItsLastEvent(t *testing.T) {
	t.Parallel()
	store := open(t, startFake(t, kurrentdbfake.Options{}).URL())
	ctx := context.Background()
	batch := events(3)
	res, err := store.Append(ctx, "batch", eventstore.NoStream(), batch)
	again, err2 := store.Append(ctx, "batch", eventstore.NoStream(), batch)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	stored, err := store.ReadStream(ctx, "batch", 0, 10)
	if err != nil || len(stored) != 3 {
		t.Fatalf("read: %d events, %v", len(stored), err)
	}
	if res.StreamVersion != 3 || res.Position != stored[2].Position || again != res {
		t.Fatalf("append reports %+v, re-append %+v; the last event is at %s", res, again, stored[2].Position)
	}
}

// The v4 client gives up for good when the server stays away longer than
// its discovery attempts; the store replaces it, so appends work again once
// the server is back.
func TestTheStoreOutlivesAServerAbsenceTheClientGaveUpOn(t *testing.T) {
	t.Parallel()
	first := startFake(t, kurrentdbfake.Options{})
	addr := first.Addr()
	store := open(t, first.URL())
	ctx := context.Background()
	if _, err := store.Append(ctx, "s", eventstore.Any(), events(1)); err != nil {
		t.Fatal(err)
	}
	first.Close()
	gaveUp := time.Now().Add(deadline)
	for {
		_, err := store.Append(ctx, "s", eventstore.Any(), events(1))
		if err != nil && strings.Contains(err.Error(), "ErrorCodeConnectionClosed") {
			break
		}
		if time.Now().After(gaveUp) {
			t.Fatalf("the client never gave up on the absent server: %v", err)
		}
	}
	startFake(t, kurrentdbfake.Options{Addr: addr})
	if _, err := store.Append(ctx, "s", eventstore.Any(), events(1)); err != nil {
		t.Fatalf("append once the server is back: %v", err)
	}
}

// StreamEnd is the position of a stream's last event, and every event has
// the same position in a stream read as in $all: the feed's copy records
// the $all positions, and a reader of the copy waits for StreamEnd's. (On
// the fake always, and on the real server when one is configured, as the
// contract.)
func TestStreamEndIsWhereTheStreamsLastEventIsInAll(t *testing.T) {
	check := func(t *testing.T, store *kurrentdb.Store) {
		ctx := context.Background()
		if end, found, err := store.StreamEnd(ctx, "s"); found || err != nil {
			t.Fatalf("a stream never written ends at %s (found %v, %v)", end, found, err)
		}
		for _, stream := range []string{"s", "other", "s"} {
			if _, err := store.Append(ctx, stream, eventstore.Any(), events(3)); err != nil {
				t.Fatal(err)
			}
		}
		end, found, err := store.StreamEnd(ctx, "s")
		stored, err2 := store.ReadStream(ctx, "s", 0, 10)
		all, err3 := store.ReadAll(ctx, eventstore.Position{}, 100)
		if err != nil || err2 != nil || err3 != nil || !found || len(stored) != 6 {
			t.Fatalf("StreamEnd found %v (%v); read %d events (%v); ReadAll: %v", found, err, len(stored), err2, err3)
		}
		if end != stored[5].Position {
			t.Errorf("StreamEnd is %s, the last event is at %s", end, stored[5].Position)
		}
		inAll := map[string]eventstore.Position{}
		for _, e := range all {
			inAll[e.ID] = e.Position
		}
		for _, e := range stored {
			if inAll[e.ID] != e.Position {
				t.Errorf("event %d of s is at %s in the stream, at %s in $all", e.StreamVersion, e.Position, inAll[e.ID])
			}
		}
	}
	t.Run("fake", func(t *testing.T) {
		t.Parallel()
		check(t, open(t, startFake(t, kurrentdbfake.Options{}).URL()))
	})
	if url := os.Getenv("ROSTER_TEST_KURRENTDB_URL"); url != "" {
		t.Run("real KurrentDB", func(t *testing.T) { check(t, open(t, url)) })
	}
}

// An append whose reply was lost after the server appended has an unknown
// outcome (never "unavailable", which says nothing was stored), and
// appending the same events again finds them; with the server gone, appends
// and reads are "unavailable".
func TestAnAppendTellsALostReplyFromAnUnreachableServer(t *testing.T) {
	t.Parallel()
	var lose atomic.Bool
	fake := startFake(t, kurrentdbfake.Options{LoseReply: func(string) bool { return lose.Swap(false) }})
	store := open(t, fake.URL())
	ctx := context.Background()
	batch := events(2)
	lose.Store(true)
	if _, err := store.Append(ctx, "s", eventstore.NoStream(), batch); !errors.Is(err, eventstore.ErrOutcomeUnknown) {
		t.Fatalf("an append whose reply was lost: %v, want ErrOutcomeUnknown", err)
	}
	if res, err := store.Append(ctx, "s", eventstore.NoStream(), batch); err != nil || res.StreamVersion != 2 {
		t.Fatalf("appending the same events again: %+v, %v; want them found at version 2", res, err)
	}
	fake.Close()
	gaveUp := time.Now().Add(deadline)
	for {
		_, err := store.Append(ctx, "s", eventstore.Exact(2), events(1))
		if errors.Is(err, eventstore.ErrUnavailable) {
			break
		}
		if !errors.Is(err, eventstore.ErrOutcomeUnknown) || time.Now().After(gaveUp) { // unknown only while the client has not seen the server go
			t.Fatalf("an append with the server gone: %v, want ErrUnavailable", err)
		}
	}
	if _, err := store.ReadStream(ctx, "s", 0, 10); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("a read with the server gone: %v, want ErrUnavailable", err)
	}
}
