package kurrentfeed_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/kurrentfeed"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// deadline bounds every wait of these tests.
const deadline = 20 * time.Second

// annsHistory is the stream versions of ann's whole history in tenant
// acme, read through h.
func annsHistory(w *projectiontest.World, h *kurrentfeed.History) ([]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	events, err := h.ReadUserHistory(ctx, "tenant-acme", "ann", w.Now.Add(time.Hour))
	versions := make([]int64, len(events))
	for i, e := range events {
		versions[i] = e.StreamVersion
	}
	return versions, err
}

// acmeWithAnnAndBob appends the three events of a tenant with two users:
// ann's history is versions 1 and 2.
func acmeWithAnnAndBob(w *projectiontest.World) {
	w.Append("acme", domain.TenantCreated{Tenant: "acme", Name: "Acme", Preset: domain.PresetStrict},
		domain.UserInvited{User: "ann", Role: domain.RoleMember, Kind: domain.KindMember},
		domain.UserInvited{User: "bob", Role: domain.RoleMember, Kind: domain.KindMember})
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
	w := projectiontest.NewOnKurrentDB(t)
	acmeWithAnnAndBob(w)
	history := kurrentfeed.NewHistory(w.KurrentFeed, &endThen{StreamEnds: w.KurrentDB, then: func() { t.Cleanup(w.RunIngester()) }}, deadline)
	want := []int64{1, 2}
	if got, err := annsHistory(w, history); err != nil || !slices.Equal(got, want) {
		t.Fatalf("ann's history read before the ingester ran: %v (%v), want %v", got, err, want)
	}
	for i := range 20 {
		var e domain.Event = domain.UserDeactivated{User: "ann"}
		if i%2 == 1 {
			e = domain.UserReactivated{User: "ann"}
		}
		w.Append("acme", e, domain.UserDeactivated{User: "bob"})
		want = append(want, int64(4+2*i))
		if got, err := annsHistory(w, history); err != nil || !slices.Equal(got, want) {
			t.Fatalf("right after append %d: %v (%v), want %v", i, got, err, want)
		}
	}
}

// With no ingester running, a read fails once its wait is over rather than
// answer from a copy that lacks the stream's latest events; a stream
// KurrentDB does not hold reads as empty without waiting.
func TestAUsersHistoryIsNeverReadFromACopyBehindTheStream(t *testing.T) {
	w := projectiontest.NewOnKurrentDB(t)
	if got, err := annsHistory(w, kurrentfeed.NewHistory(w.KurrentFeed, w.KurrentDB, time.Millisecond)); err != nil || len(got) != 0 {
		t.Fatalf("an absent stream: %v (%v)", got, err)
	}
	stop := w.RunIngester()
	acmeWithAnnAndBob(w)
	history := kurrentfeed.NewHistory(w.KurrentFeed, w.KurrentDB, deadline)
	if got, err := annsHistory(w, history); err != nil || !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("ann's history with the ingester running: %v (%v)", got, err)
	}
	stop()
	w.Append("acme", domain.UserActivated{User: "ann"})
	impatient := kurrentfeed.NewHistory(w.KurrentFeed, w.KurrentDB, 200*time.Millisecond)
	if got, err := annsHistory(w, impatient); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, eventstore.ErrFeedBehind) {
		t.Fatalf("with the ingester stopped and the copy behind: %v (%v), want a deadline error", got, err)
	}
	t.Cleanup(w.RunIngester())
	if got, err := annsHistory(w, history); err != nil || !slices.Equal(got, []int64{1, 2, 4}) {
		t.Fatalf("once an ingester runs again: %v (%v)", got, err)
	}
}
