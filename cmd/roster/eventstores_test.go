package main

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/kurrentdb/kurrentdbfake"
	"github.com/rosterhq/roster/infra/wiring"
)

// testEventStore is the event store the service tests run on: PostgreSQL,
// or with ROSTER_EVENTSTORE=kurrentdb (make test runs this package both
// ways) a fake KurrentDB of the test's own, as fresh as its database.
func testEventStore(t testing.TB) config.EventStore {
	t.Helper()
	if os.Getenv("ROSTER_EVENTSTORE") != "kurrentdb" {
		return config.EventStore{Kind: "postgres"}
	}
	fake, err := kurrentdbfake.Start(kurrentdbfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	return config.EventStore{Kind: "kurrentdb", KurrentDBURL: fake.URL()}
}

// awaitFeed waits (at most 20 s) until svc's feed — with KurrentDB, the
// ingester's copy in PostgreSQL — holds the event at position at.
func awaitFeed(t *testing.T, svc *wiring.Services, at eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	reached := errors.New("reached")
	err := svc.Events.Subscribe(ctx, eventstore.Position{}, func(_ context.Context, batch []eventstore.RecordedEvent) error {
		if batch[len(batch)-1].Position.Compare(at) >= 0 {
			return reached
		}
		return nil
	})
	if !errors.Is(err, reached) {
		t.Fatalf("the feed did not reach %s: %v", at, err)
	}
}
