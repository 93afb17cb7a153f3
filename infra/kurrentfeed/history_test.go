package kurrentfeed_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/kurrentdb"
	"github.com/rosterhq/roster/infra/kurrentdb/kurrentdbfake"
	"github.com/rosterhq/roster/infra/kurrentfeed"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// deadline bounds every wait of these tests.
const deadline = 20 * time.Second

const stream = "tenant-acme"

// world is a fake KurrentDB, the store over it, a migrated database and
// the feed of its copy; the ingester runs only when a test starts it.
type world struct {
	t        *testing.T
	pool     *pgxpool.Pool
	kdb      *kurrentdb.Store
	feed     *kurrentfeed.Feed
	ingester *kurrentfeed.Ingester
	now      time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	fake, err := kurrentdbfake.Start(kurrentdbfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	kdb, err := kurrentdb.Open(fake.URL(), kurrentdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kdb.Close() })
	pool := pgtest.NewPool(t)
	feed := kurrentfeed.NewFeed(pool, 0, nil)
	t.Cleanup(feed.Close)
	return &world{t: t, pool: pool, kdb: kdb, feed: feed, ingester: kurrentfeed.NewIngester(kdb, pool, feed, nil, nil),
		now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// runIngester starts the ingester; stop (also run when the test ends)
// stops it.
func (w *world) runIngester() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.ingester.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	w.t.Cleanup(stop)
	return stop
}

// append stores events in stream, one second apart, and returns their ids.
func (w *world) append(events ...domain.Event) []string {
	w.t.Helper()
	meta, _ := json.Marshal(domain.Metadata{Tenant: "acme", Actor: domain.OperatorActor()})
	batch, ids := make([]eventstore.NewEvent, len(events)), make([]string, len(events))
	for i, e := range events {
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			w.t.Fatal(err)
		}
		v, _ := domain.SchemaVersion(e.EventType())
		w.now = w.now.Add(time.Second)
		ids[i] = uuid.NewString()
		batch[i] = eventstore.NewEvent{ID: ids[i], Type: e.EventType(), SchemaVersion: v, Payload: payload, Metadata: meta, OccurredAt: w.now}
	}
	if _, err := w.kdb.Append(context.Background(), stream, eventstore.Any(), batch); err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// annsHistory reads ann's whole history through h.
func (w *world) annsHistory(h *kurrentfeed.History) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	events, err := h.ReadUserHistory(ctx, stream, "ann", w.now.Add(time.Hour))
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids, err
}

// endThen is the store's StreamEnds, running then (once) after it has
// answered: the test's way to act between the read of the stream's end
// and the wait for the copy.
type endThen struct {
	kurrentfeed.StreamEnds
	once sync.Once
	then func()
}

func (e *endThen) StreamEnd(ctx context.Context, stream string) (eventstore.Position, bool, error) {
	end, found, err := e.StreamEnds.StreamEnd(ctx, stream)
	e.once.Do(e.then)
	return end, found, err
}

// A read of a user's history waits for the ingester to copy the stream up
// to the end it has in KurrentDB: here the ingester only starts once the
// read has learnt that end (the copy is empty then), and later reads,
// right after an append while the ingester runs, hold the event appended.
func TestAUsersHistoryWaitsForTheCopyToReachTheStreamsEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := w.append(domain.TenantCreated{Tenant: "acme", Name: "Acme", Preset: domain.PresetStrict},
		domain.UserInvited{User: "ann", Role: domain.RoleMember, Kind: domain.KindMember},
		domain.UserInvited{User: "bob", Role: domain.RoleMember, Kind: domain.KindMember})
	history := kurrentfeed.NewHistory(w.feed, &endThen{StreamEnds: w.kdb, then: func() { w.runIngester() }}, deadline)
	got, err := w.annsHistory(history)
	if want := first[:2]; err != nil || !slices.Equal(got, want) {
		t.Fatalf("ann's history read before the ingester ran: %v (%v), want %v", got, err, want)
	}
	want := first[:2]
	for i := range 20 {
		var e domain.Event = domain.UserDeactivated{User: "ann"}
		if i%2 == 1 {
			e = domain.UserReactivated{User: "ann"}
		}
		want = append(want, w.append(e, domain.UserDeactivated{User: "bob"})[0])
		if got, err := w.annsHistory(history); err != nil || !slices.Equal(got, want) {
			t.Fatalf("right after append %d: %v (%v), want %v", i, got, err, want)
		}
	}
}

// With no ingester running, a read fails once its wait is over rather than
// answer from a copy that lacks the stream's latest events; a stream
// KurrentDB does not hold reads as empty without waiting.
func TestAUsersHistoryIsNeverReadFromACopyBehindTheStream(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if got, err := w.annsHistory(kurrentfeed.NewHistory(w.feed, w.kdb, time.Millisecond)); err != nil || len(got) != 0 {
		t.Fatalf("an absent stream: %v (%v)", got, err)
	}
	stop := w.runIngester()
	copied := w.append(domain.TenantCreated{Tenant: "acme", Name: "Acme", Preset: domain.PresetStrict},
		domain.UserInvited{User: "ann", Role: domain.RoleMember, Kind: domain.KindMember})
	history := kurrentfeed.NewHistory(w.feed, w.kdb, deadline)
	if got, err := w.annsHistory(history); err != nil || !slices.Equal(got, copied) {
		t.Fatalf("ann's history with the ingester running: %v (%v), want %v", got, err, copied)
	}
	stop()
	latest := w.append(domain.UserActivated{User: "ann"})
	impatient := kurrentfeed.NewHistory(w.feed, w.kdb, 200*time.Millisecond)
	if got, err := w.annsHistory(impatient); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with the ingester stopped and the copy behind: %v (%v), want a deadline error", got, err)
	}
	w.runIngester()
	if got, err := w.annsHistory(history); err != nil || !slices.Equal(got, append(copied, latest...)) {
		t.Fatalf("once an ingester runs again: %v (%v)", got, err)
	}
}
