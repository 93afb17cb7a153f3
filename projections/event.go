package projections

import (
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Event is one stored event as projectors see it: decoded, with its
// metadata, and with personal data unsealed — or marked Erased once the
// person was deleted, which is the only special case a projector has.
type Event struct {
	Position   eventstore.Position
	Tenant     domain.TenantID
	Version    int64 // in the tenant's stream
	ID         string
	Type       string
	OccurredAt time.Time
	Meta       domain.Metadata
	Data       domain.Event
	// DecodeErr is set, with Data nil, when the stored event could not be
	// decoded: applying it fails, which holds its tenant back like any
	// event a projector cannot apply (see TenantFailure).
	DecodeErr error
}

// Statement is one change a reducer asks for: an SQL statement with its
// arguments, or (Copy set) a new row to load with COPY.
//
// Copy rows of a batch are loaded before its SQL statements run, table by
// table — much cheaper than an INSERT each during catch-up. So a Copy row
// must be a row no earlier statement of the batch could have touched: a new
// key (user and event ids are never reused), never an upsert.
type Statement struct {
	SQL  string
	Args []any
	Copy *Row
}

// Row is one new row of a table, for COPY.
type Row struct {
	Table   string
	Columns []string
	Values  []any
}

// Projector keeps one read model.
type Projector interface {
	// Name names the read model and, with its table version, the consumer
	// group: "users_v2". A new table version is a new projection, built from
	// the start while the old one serves.
	Name() string
	// Schema creates the projector's tables if absent (idempotent DDL).
	Schema() []string
	// Tables names the tables Schema creates, for statistics upkeep.
	Tables() []string
	// Reduce is pure: the statements that apply e, none for events the read
	// model ignores (unknown events included).
	Reduce(e Event) []Statement
}

// BatchReducer is implemented by projectors that reduce a batch (consecutive
// events, applied in one transaction) to fewer statements than Reduce gives
// event by event — a catch-up batch that invites a user and then activates
// them writes one row, not a row and an update. ReduceBatch must be pure and
// leave the tables exactly as Reduce of each event in turn would.
type BatchReducer interface {
	ReduceBatch(events []Event) []Statement
}

// Interested is implemented by projectors that use only some event types.
// Events of other types reach them undecoded (Data nil, Meta empty): they
// still move the checkpoint, and no projector pays for decoding every event
// of the feed for the sake of another.
type Interested interface {
	Handles(eventType string) bool
}

// EventTypes is a set of event type names, for Interested.Handles.
type EventTypes map[string]bool

// Of returns the set of the given events' types.
func Of(events ...domain.Event) EventTypes {
	set := EventTypes{}
	for _, e := range events {
		set[e.EventType()] = true
	}
	return set
}

// NullIfEmpty is s as a column value, or NULL for "": for the rows of
// Copy, which cannot say NULLIF.
func NullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
