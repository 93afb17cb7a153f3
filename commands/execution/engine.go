package execution

import (
	"errors"
	"log/slog"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
)

// Config wires the engine to its ports.
type Config struct {
	Store EventStore // required
	// Guard, when set, checks the sessions commands carry (Envelope.Session)
	// in the step that stores their events: the event store's optional
	// capability (eventstore.SessionGuard), which PostgreSQL has and
	// KurrentDB declines. Nil: a command carrying a session check is
	// refused, nothing stored; callers then check tokens up front.
	Guard       eventstore.SessionGuard
	Snapshots   SnapshotStore    // optional: without it, cold loads replay whole streams
	Idempotency IdempotencyStore // optional: without it, Idempotency-Key is refused
	// PersonalData reads the stream with personal data opened (the write
	// model itself never needs it); optional: without it the profile reads
	// of Queries fail.
	PersonalData eventstore.StreamReader
	// Sessions lists users' sessions, for the count of those a command
	// ends (the sessions_revoked consequence); optional: without it the
	// count is 0.
	Sessions SessionDirectory
	Clock    func() time.Time // default time.Now
	Logger   *slog.Logger     // default: discard
	// SnapshotEvery is how many events may pass between snapshots (default 1000).
	SnapshotEvery int64
	// MaxAttempts bounds decide/append cycles lost to version conflicts (default 10).
	MaxAttempts int
	// CacheRecords bounds the records (users, teams, work items, one per
	// tenant) the cached write models hold between commands; the least
	// recently used are dropped beyond it and loaded again when needed.
	// Zero: DefaultCacheRecords; negative: unbounded.
	CacheRecords int64
}

// Engine carries commands out: a request begins (Begin), the use case's
// domain command is executed (Run.Execute), the request ends (Run.End).
// One Engine serves a process: it holds the cached write models.
type Engine struct {
	models  *writeModels
	exec    *executor
	idem    idempotent
	log     *slog.Logger
	clock   func() time.Time
	queries *Queries
	// sessions counts the sessions consequences end (nil: none counted).
	sessions SessionDirectory
}

// New builds an engine. Call Close when done.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, errors.New("execution: Store is required")
	}
	cfg = cfg.withDefaults()
	models := &writeModels{store: cfg.Store, snapshots: cfg.Snapshots, snapshotEvery: cfg.SnapshotEvery,
		log: cfg.Logger, modelCache: newModelCache(cfg.CacheRecords)}
	e := &Engine{
		models:   models,
		exec:     &executor{models: models, guard: cfg.Guard, clock: cfg.Clock, maxAttempts: cfg.MaxAttempts},
		idem:     idempotent{store: cfg.Idempotency, clock: cfg.Clock, log: cfg.Logger},
		log:      cfg.Logger,
		clock:    cfg.Clock,
		queries:  &Queries{models: models, personal: cfg.PersonalData},
		sessions: cfg.Sessions,
	}
	if cfg.Idempotency == nil {
		e.idem.store = refuseKeys{}
	}
	return e, nil
}

func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.SnapshotEvery <= 0 {
		c.SnapshotEvery = 1000
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.CacheRecords == 0 {
		c.CacheRecords = DefaultCacheRecords
	}
	return c
}

// Close waits for snapshot writes still in flight.
func (e *Engine) Close() { e.models.saving.Wait() }

// Now is the engine's clock: the instant use cases stamp on the commands
// they prepare, from the clock that stamps the events.
func (e *Engine) Now() time.Time { return e.clock() }

// Queries are the reads of the write model that other packages need.
func (e *Engine) Queries() *Queries { return e.queries }

// ChecksSessions reports whether commands may carry their session checks
// (Envelope.Session): whether the engine has a Guard.
func (e *Engine) ChecksSessions() bool { return e.exec.guard != nil }
