package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

var _ eventstore.Store = (*Store)(nil)

// Options tunes a Store; the zero value serves Roster's tenant streams.
type Options struct {
	// Namespace is prepended to every stream name in KurrentDB and removed
	// on the way out, so several deployments (or test runs) can share a
	// server. Empty: stream names are used as they are.
	Namespace string
	// FeedPrefixes are the stream-name prefixes (after the namespace) that
	// the feed carries; default domain.TenantStreamPrefix, Roster's aggregate streams.
	FeedPrefixes []string
	// BatchSize is the most events one subscription batch holds (default
	// 1000): the page size while catching up.
	BatchSize int
	// Logger receives the client's and the resubscriptions' warnings (nil:
	// discard). No payloads are logged.
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if len(o.FeedPrefixes) == 0 {
		o.FeedPrefixes = []string{domain.TenantStreamPrefix}
	}
	for _, p := range o.FeedPrefixes {
		if o.Namespace+p == "" {
			return o, errors.New("kurrentdb: the feed needs a non-empty namespace or stream prefix (an empty one would carry the server's $ streams)")
		}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Store is the KurrentDB event store. It is safe for concurrent use.
type Store struct {
	cfg      *esdb.Configuration
	opts     Options
	prefixes []string // namespace + feed prefixes, as stored

	mu     sync.Mutex
	client *esdb.Client // replaced when it closes itself (see reopen)
	closed bool
}

// Open connects to the server at url (an esdb:// or kurrentdb:// connection
// string, such as "esdb://127.0.0.1:2113?tls=false"). The client connects
// lazily, on the first call. Close releases it.
func Open(url string, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg, err := esdb.ParseConnectionString(strings.Replace(url, "kurrentdb://", "esdb://", 1))
	if err != nil {
		return nil, fmt.Errorf("kurrentdb: connection string: %w", err)
	}
	cfg.Logger = clientLogger(opts.Logger)
	client, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("kurrentdb: client: %w", err)
	}
	prefixes := make([]string, len(opts.FeedPrefixes))
	for i, p := range opts.FeedPrefixes {
		prefixes[i] = opts.Namespace + p
	}
	return &Store{cfg: cfg, client: client, opts: opts, prefixes: prefixes}, nil
}

// Close closes the client; calls in flight fail.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.client.Close()
}

// conn is the current client.
func (s *Store) conn() *esdb.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// checkClosed replaces old with a new client when err says old has closed
// itself: the v4 client gives up for good when it cannot reach the server
// within its discovery attempts (a KurrentDB restart of a few seconds), and
// answers every later call with ErrorCodeConnectionClosed. The call that
// failed is not retried here; the next one uses the new client.
func (s *Store) checkClosed(old *esdb.Client, err error) {
	var esErr *esdb.Error
	if !errors.As(err, &esErr) || esErr.Code() != esdb.ErrorCodeConnectionClosed {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.client != old {
		return
	}
	client, nerr := esdb.NewClient(s.cfg)
	if nerr != nil {
		s.opts.Logger.Warn("kurrentdb: cannot replace a closed client", "error", nerr)
		return
	}
	s.opts.Logger.Warn("kurrentdb: the client had given up on the server; replaced it", "error", err)
	_ = old.Close()
	s.client = client
}

// name is stream's name in KurrentDB.
func (s *Store) name(stream string) string { return s.opts.Namespace + stream }

// inFeed reports whether a KurrentDB stream belongs to the feed, and its
// Roster name.
func (s *Store) inFeed(stored string) (string, bool) {
	for _, p := range s.prefixes {
		if strings.HasPrefix(stored, p) {
			return stored[len(s.opts.Namespace):], true
		}
	}
	return "", false
}

// clientLogger passes the client's log lines to log: errors as warnings
// (the client logs every dropped subscription as an error; the store
// resubscribes), the rest at debug level.
func clientLogger(log *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...any) {
		l := slog.LevelDebug
		if level == esdb.LogError || level == esdb.LogWarn {
			l = slog.LevelWarn
		}
		ctx := context.Background()
		if log.Enabled(ctx, l) {
			log.Log(ctx, l, "kurrentdb client: "+fmt.Sprintf(format, args...))
		}
	}
}
