package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/kurrentdb"
	"github.com/rosterhq/roster/infra/kurrentfeed"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgstore"
)

// EventStore is the raw event store the configuration chose: appends and
// stream reads from it, and the projectors' feed (for KurrentDB, the
// PostgreSQL copy the ingester keeps). Close stops what it started.
type EventStore struct {
	eventstore.Appender
	eventstore.StreamReader
	eventstore.Feed
	close func()
}

// Close stops the store's background work and connections.
func (e *EventStore) Close() { e.close() }

// OpenEventStore opens the configured event store and the sealing store
// over it. With KurrentDB it also starts the feed's ingester, which destroys
// the keys of deleted users in each batch's transaction, and the sealing
// store reads one user's history (point-in-time reads) from the ingested
// copy, which has the indexes for it, once the copy has caught up. Every
// command that reads events opens the store here, never one adapter.
func OpenEventStore(pool *pgxpool.Pool, key personaldata.MasterKey, store config.EventStore, log *slog.Logger) (*EventStore, *personaldata.Store, error) {
	if err := store.Validate(); err != nil {
		return nil, nil, err
	}
	if !store.KurrentDB() {
		events := pgstore.New(pool, pgstore.Options{Logger: log})
		return &EventStore{events, events, events, events.Close}, personaldata.NewStore(events, pool, key), nil
	}
	kdb, err := kurrentdb.Open(store.KurrentDBURL, kurrentdb.Options{Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("event store: %w", err)
	}
	feed := kurrentfeed.NewFeed(pool, 0, log)
	ingester := kurrentfeed.NewIngester(kdb, pool, feed, personaldata.DestroyKeysOfDeleted, log)
	ctx, stop := context.WithCancel(context.Background())
	var running sync.WaitGroup
	running.Add(1)
	go func() {
		defer running.Done()
		_ = ingester.Run(ctx) // ends with ctx; failures are logged and retried inside
	}()
	events := &EventStore{kdb, kdb, feed, func() {
		stop()
		running.Wait()
		feed.Close()
		_ = kdb.Close()
	}}
	history := kurrentfeed.NewHistory(feed, kdb, 0)
	return events, personaldata.NewStoreOver(withUserHistory{events, history}, pool, key), nil
}

// withUserHistory is the KurrentDB event store with one user's history read
// from the feed's copy: personaldata.Store serves point-in-time reads only
// over an inner store that has ReadUserHistory.
type withUserHistory struct {
	eventstore.Store
	*kurrentfeed.History
}
