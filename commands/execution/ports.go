package execution

import (
	"context"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// EventStore is what the engine needs of the event store: append with an
// expected version, and read a stream to catch a write model up.
type EventStore interface {
	eventstore.Appender
	eventstore.StreamReader
}

// Snapshot is a write model serialised at a stream version, so that loading a
// tenant with a long history replays only what came after it.
type Snapshot struct {
	Stream        string
	Version       int64               // stream version the state includes
	Position      eventstore.Position // feed position of that version's event
	SchemaVersion int                 // domain.SnapshotSchemaVersion when written
	Data          []byte
}

// SnapshotStore keeps the latest snapshot of each stream.
type SnapshotStore interface {
	// LoadSnapshot returns the stream's latest snapshot; found is false when
	// there is none.
	LoadSnapshot(ctx context.Context, stream string) (s Snapshot, found bool, err error)
	// SaveSnapshot stores s unless a snapshot of a later version is already
	// stored (snapshots never move backwards).
	SaveSnapshot(ctx context.Context, s Snapshot) error
}

// IdempotencyRecord is what is remembered of a request sent with an
// Idempotency-Key.
type IdempotencyRecord struct {
	Fingerprint string    // hash of the request; the same key with another body is refused
	Outcome     []byte    // the first outcome; nil while the first request is in progress
	CreatedAt   time.Time // records are forgotten 24 h after this
	// AfterVersion is the tenant stream's version the first request knew
	// when it claimed the key: the events it stored, if any, come after.
	AfterVersion int64
}

// IdempotencyTTL is how long a key is remembered.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyID names an idempotency record: a caller's key in a tenant.
// Keys are the caller's own: the same key of another caller (or tenant) is
// another record.
type IdempotencyID struct {
	Tenant string
	Caller string // "operator", "user:<id>", or "" (in-process callers)
	Key    string
}

// IdempotencyStore remembers, per tenant, caller and key, the outcome of
// commands.
type IdempotencyStore interface {
	// Claim records id for a request with fingerprint, knowing the tenant's
	// stream at version after, at now. When id is already recorded (and
	// younger than IdempotencyTTL at now) it returns that record and claimed
	// false instead, changing nothing; an expired record is replaced as if
	// absent.
	Claim(ctx context.Context, id IdempotencyID, fingerprint string, after int64, now time.Time) (existing IdempotencyRecord, claimed bool, err error)
	// Complete stores the outcome of a claimed id.
	Complete(ctx context.Context, id IdempotencyID, outcome []byte) error
}

// SessionDirectory lists the sessions users hold, so that a command's
// consequences can say how many die (domain.SessionLoss): the session
// store's rows, as the domain names sessions.
type SessionDirectory interface {
	// LiveSessions returns, per user of tenant, the sessions that are
	// stored (not logged out) and unexpired at now; one read for them all.
	LiveSessions(ctx context.Context, tenant domain.TenantID, users []domain.UserID, now time.Time) (map[domain.UserID][]domain.SessionRef, error)
}
