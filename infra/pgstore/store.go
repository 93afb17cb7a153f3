package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/wakeup"
)

var (
	_ eventstore.Store        = (*Store)(nil)
	_ eventstore.SessionGuard = (*Store)(nil)
)

// notifyChannel is the LISTEN/NOTIFY channel that announces new events.
const notifyChannel = "roster_events"

// Options tunes a Store; the zero value gives the defaults.
type Options struct {
	// BatchSize is the most events one feed read returns (default 1000):
	// the page size of a catch-up; live batches are whatever has arrived.
	// Measured on 1,000,000 events into five read models: 1000 → 49.5 s,
	// 4000 → 55.6 s (bigger transactions cost more than the pages they save).
	BatchSize int
	// HeldBackPoll is the longest wait between reads while committed events are
	// held back behind a running transaction (default 50ms).
	HeldBackPoll time.Duration
	// IdlePoll is a safety net for lost notifications: a caught-up subscriber
	// reads at least this often (default 1s).
	IdlePoll time.Duration
	// Logger receives operational warnings (nil = discard). No payloads are logged.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.HeldBackPoll <= 0 {
		o.HeldBackPoll = 50 * time.Millisecond
	}
	if o.IdlePoll <= 0 {
		o.IdlePoll = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Store is the PostgreSQL event store. It is safe for concurrent use; Close
// stops its background notifier and listener.
type Store struct {
	pool     *pgxpool.Pool
	opts     Options
	instance string // tags our NOTIFYs so our own listener can ignore them

	appended   wakeup.Signal // fired after every local commit
	notifyReqs chan struct{} // coalesces NOTIFYs to other processes

	background context.Context
	stop       context.CancelFunc
	wg         sync.WaitGroup
	listenOnce sync.Once
}

// New returns a Store over pool, whose database must be migrated
// (infra/migrations). The pool stays the caller's to close, after Close.
func New(pool *pgxpool.Pool, opts Options) *Store {
	background, stop := context.WithCancel(context.Background())
	s := &Store{
		pool:       pool,
		opts:       opts.withDefaults(),
		instance:   randomInstanceID(),
		notifyReqs: make(chan struct{}, 1),
		background: background,
		stop:       stop,
	}
	s.wg.Add(1)
	go s.runNotifier()
	return s
}

// Close stops the background goroutines and waits for them. Subscriptions
// still running return once their context ends.
func (s *Store) Close() {
	s.stop()
	s.wg.Wait()
}

func randomInstanceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}
