// Package projectiontest runs read models for tests: a fresh database with
// an event store, domain events appended as a command would, and the real
// Watermill router projecting them — no stand-ins.
package projectiontest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
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
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/projections"
)

// World is a database, its event store and a clock for event times.
type World struct {
	T     *testing.T
	URL   string // of the database, for other processes
	Pool  *pgxpool.Pool
	Store eventstore.Store // appends go to the event store; its feed is what projectors read
	Now   time.Time
	// Ingester copies KurrentDB's feed into PostgreSQL (KurrentDB worlds
	// only); RunIngester runs it.
	Ingester *kurrentfeed.Ingester
	// KurrentDB and KurrentFeed are the KurrentDB store and the feed of its
	// copy (KurrentDB worlds only), for tests of what reads either.
	KurrentDB   *kurrentdb.Store
	KurrentFeed *kurrentfeed.Feed
	// KurrentDBURL is the fake KurrentDB's connection string (KurrentDB
	// worlds only), for other processes: it lives in the test's process.
	KurrentDBURL string
}

// New makes a World on a fresh database (the test runs in parallel), with
// the PostgreSQL event store, or with ROSTER_EVENTSTORE=kurrentdb the
// KurrentDB one (see NewOnKurrentDB).
func New(t *testing.T) *World {
	if os.Getenv("ROSTER_EVENTSTORE") == "kurrentdb" {
		w := NewOnKurrentDB(t)
		t.Cleanup(w.RunIngester())
		return w
	}
	return NewOnPostgreSQL(t)
}

// NewOnPostgreSQL makes a World with the PostgreSQL event store, whatever
// ROSTER_EVENTSTORE says.
func NewOnPostgreSQL(t *testing.T) *World {
	w := newWorld(t)
	store := pgstore.New(w.Pool, pgstore.Options{})
	t.Cleanup(store.Close)
	w.Store = store
	return w
}

func newWorld(t *testing.T) *World {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &World{T: t, URL: url, Pool: pool, Now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// NewOnKurrentDB makes a World whose events go to a fake KurrentDB of its
// own, and whose feed is the PostgreSQL copy kept by its Ingester, which
// the test runs (RunIngester) as it needs.
func NewOnKurrentDB(t *testing.T) *World {
	w := newWorld(t)
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
	feed := kurrentfeed.NewFeed(w.Pool, 0, nil)
	t.Cleanup(feed.Close)
	w.Store = kurrentWorld{kdb, kdb, feed}
	w.Ingester = kurrentfeed.NewIngester(kdb, w.Pool, feed, nil, nil)
	w.KurrentDB, w.KurrentFeed, w.KurrentDBURL = kdb, feed, fake.URL()
	return w
}

// kurrentWorld appends to KurrentDB and feeds from the ingested copy.
type kurrentWorld struct {
	eventstore.Appender
	eventstore.StreamReader
	eventstore.Feed
}

// RunIngester starts the ingester and returns what stops it at whatever
// point it has reached (a batch in flight is rolled back).
func (w *World) RunIngester() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Ingester.Run(ctx) }()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}

// Append stores events in tenant's stream, one second apart, and returns
// the position of the last.
func (w *World) Append(tenant domain.TenantID, events ...domain.Event) eventstore.Position {
	w.T.Helper()
	meta, _ := json.Marshal(domain.Metadata{Tenant: tenant, Actor: domain.OperatorActor()})
	batch := make([]eventstore.NewEvent, len(events))
	for i, e := range events {
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			w.T.Fatal(err)
		}
		v, _ := domain.SchemaVersion(e.EventType())
		w.Now = w.Now.Add(time.Second)
		batch[i] = eventstore.NewEvent{ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: v,
			Payload: payload, Metadata: meta, OccurredAt: w.Now}
	}
	res, err := w.Store.Append(context.Background(), domain.TenantStream(tenant), eventstore.Any(), batch)
	if err != nil {
		w.T.Fatal(err)
	}
	return res.Position
}

// Project runs the projectors over the store until the test ends, and
// returns their status for waiting on positions.
func (w *World) Project(ps ...projections.Projector) *projections.Status {
	w.T.Helper()
	status := projections.NewStatus()
	router, err := projectionfeed.NewRouter(context.Background(), projectionfeed.RouterConfig{Pool: w.Pool, Feed: w.Store,
		Projectors: ps, Status: status, Logger: slog.New(slog.DiscardHandler), Retries: 2, RetryInterval: time.Millisecond})
	if err != nil {
		w.T.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- router.Run(context.Background()) }()
	<-router.Running()
	w.T.Cleanup(func() { _ = router.Close(); <-done })
	return status
}

// WaitFor waits (at most 20 s) until every named projector has applied at.
func (w *World) WaitFor(status *projections.Status, at eventstore.Position, names ...string) {
	w.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := status.WaitFor(ctx, at, names...); err != nil {
		w.T.Fatalf("projections did not reach %s: %v", at, err)
	}
}

// InvitedUsers decides a tenant of n invited and activated users (and its
// owner), and returns the events in batches of about 1,000, for appending:
// a history of 2n+2 events that a rebuild or catch-up takes a while over.
func InvitedUsers(t testing.TB, tenant domain.TenantID, n int) [][]domain.Event {
	state, op := &domain.Tenant{}, domain.OperatorActor()
	var batches [][]domain.Event
	var batch []domain.Event
	decide := func(cmd domain.Command) {
		events, err := domain.Decide(state, cmd)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			domain.Evolve(state, e)
		}
		batch = append(batch, events...)
	}
	decide(domain.CreateTenant{Actor: op, Tenant: tenant, Name: string(tenant), Preset: domain.PresetStrict, Seats: n + 10,
		Owner: domain.OwnerAccount{User: "owner", EmailIndex: "owner", PII: domain.PersonalData{Email: "owner@" + string(tenant) + ".test", Name: "Owner"}}})
	for i := range n {
		id := domain.UserID(fmt.Sprintf("u-%d", i))
		decide(domain.InviteUser{Actor: op, User: id, Role: domain.RoleMember, Activate: true, EmailIndex: string(id),
			PII: domain.PersonalData{Email: fmt.Sprintf("u%d@%s.test", i, tenant), Name: fmt.Sprintf("User %d", i)}})
		if len(batch) >= 1000 || i == n-1 {
			batches, batch = append(batches, batch), nil
		}
	}
	return batches
}
