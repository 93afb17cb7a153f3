package natspublisher

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/wakeup"
)

// Defaults of Options.
const (
	DefaultStream = "ROSTER_EVENTS"
	// DefaultDuplicateWindow is how long JetStream remembers an event id:
	// far longer than a crash and restart, even a slow one (a container
	// rescheduled, a crash loop's back-off), yet small in memory at the
	// rate lifecycle events arrive.
	DefaultDuplicateWindow = time.Hour
	DefaultBatch           = 256
	// DefaultPoll is only a fallback: the projector's NOTIFY wakes the
	// publisher as soon as rows are complete.
	DefaultPoll    = time.Second
	DefaultAckWait = 5 * time.Second
)

// Options configures a Publisher; zero values take the defaults above.
type Options struct {
	// URL of the NATS server(s), as nats.go takes it ("nats://host:4222",
	// several comma-separated; credentials in it are never logged).
	URL string
	// Stream is the JetStream stream's name, created or updated at start.
	Stream string
	// DuplicateWindow is the stream's duplicate window: a publish repeated
	// within it (the same Nats-Msg-Id) is dropped by the server.
	DuplicateWindow time.Duration
	// Batch is the most rows read, published and checkpointed at once.
	Batch int
	// Poll is the longest the publisher waits before looking for new rows
	// when no NOTIFY on publicevents.Channel wakes it before.
	Poll time.Duration
	// AckWait is how long one publish waits for JetStream's acknowledgement.
	AckWait time.Duration
	Logger  *slog.Logger
}

// Publisher copies the public event log into a NATS JetStream stream.
type Publisher struct {
	pool *pgxpool.Pool
	opts Options
}

// New returns a publisher of the public event log in pool's database; Run
// starts it.
func New(pool *pgxpool.Pool, opts Options) *Publisher {
	opts.Stream = or(opts.Stream, DefaultStream)
	opts.DuplicateWindow = or(opts.DuplicateWindow, DefaultDuplicateWindow)
	opts.Batch = or(opts.Batch, DefaultBatch)
	opts.Poll = or(opts.Poll, DefaultPoll)
	opts.AckWait = or(opts.AckWait, DefaultAckWait)
	opts.Logger = or(opts.Logger, slog.New(slog.DiscardHandler))
	return &Publisher{pool: pool, opts: opts}
}

func or[T comparable](value, fallback T) T {
	var zero T
	if value == zero {
		return fallback
	}
	return value
}

// Retry back-off after a failed session: from least to most, doubling.
const (
	leastRetry = 100 * time.Millisecond
	mostRetry  = 30 * time.Second
)

// Run publishes every complete row of the public event log, in feed order,
// to the stream, until ctx ends (then it returns nil). A failure (NATS or
// PostgreSQL unreachable, a publish not acknowledged in time) is logged as
// a warning and retried with back-off from the stored checkpoint; a row
// that cannot be published (see Subject) is logged as an error and retried
// likewise: no row is ever skipped.
//
// Run one at a time: inside the projectors' leadership (see the package
// documentation).
func (p *Publisher) Run(ctx context.Context) error {
	var woken wakeup.Signal
	listening, stopListening := context.WithCancel(ctx)
	listened := make(chan struct{})
	go func() { defer close(listened); p.listen(listening, &woken) }()
	defer func() { stopListening(); <-listened }()
	wait := time.Duration(0)
	for {
		progressed := false
		err := p.session(ctx, woken.Wait, func() { progressed = true })
		if ctx.Err() != nil {
			return nil
		}
		if progressed {
			wait = 0
		}
		wait = min(max(wait*2, leastRetry), mostRetry)
		if unpublishable := (*unpublishableError)(nil); errors.As(err, &unpublishable) {
			p.opts.Logger.Error("nats publisher: stopped at a row it cannot publish; retrying", "retry_in", wait, "error", err)
		} else {
			p.opts.Logger.Warn("nats publisher: failed; retrying from the checkpoint", "retry_in", wait, "error", err)
		}
		if pause.For(ctx, wait) != nil {
			return nil
		}
	}
}
