package audit

import (
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Table is the current version of the read model's table.
const Table = "audit_v1"

// Projector keeps the audit table.
type Projector struct{ table string }

// New returns the projector of the current table version.
func New() Projector { return Projector{table: Table} }

// NewSuffixed returns a projector of the same read model into tables named
// with suffix (Table+suffix): a second copy built beside the live one, as a
// rebuild or a consistency check does.
func NewSuffixed(suffix string) Projector { return Projector{table: Table + suffix} }

// Name names the projection (and its consumer group) by its table.
func (p Projector) Name() string { return p.table }

// Schema creates the table, keyed by tenant and feed position, and one
// index for each filter of List (all in position order within a tenant).
func (p Projector) Schema() []string {
	t := p.table
	return []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id        text        NOT NULL,
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    event_id         text        NOT NULL,
    at               timestamptz NOT NULL,
    action           text        NOT NULL,
    actor_id         text,
    target_id        text,
    reason           text,
    details          jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, position_commit, position_prepare)
)`, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_actor ON %s (tenant_id, actor_id, position_commit, position_prepare)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_target ON %s (tenant_id, target_id, position_commit, position_prepare)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_action ON %s (tenant_id, action, position_commit, position_prepare)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_at ON %s (tenant_id, at)`, t, t),
	}
}

// Tables names the read model's table.
func (p Projector) Tables() []string { return []string{p.table} }

// auditColumns are the columns of an audit row, in Row.Values order.
var auditColumns = []string{"tenant_id", "position_commit", "position_prepare", "event_id", "at", "action",
	"actor_id", "target_id", "reason", "details"}

// Reduce is pure: every event becomes one new audit row (loaded with COPY:
// its key, the event's position, is new by construction). The row holds
// ids, never names, e-mails or their blind index.
func (p Projector) Reduce(e projections.Event) []projections.Statement {
	if e.Data == nil {
		return nil
	}
	return []projections.Statement{{Copy: &projections.Row{Table: p.table, Columns: auditColumns,
		Values: []any{string(e.Tenant), e.Position.Commit, e.Position.Prepare, e.ID, e.OccurredAt,
			e.Data.EventType(), actorID(e.Meta.Actor), targetID(e.Data), reason(e), detailsJSON(e.Data)}}}}
}

// detailsJSON encodes Details(d); its values (strings, numbers, booleans,
// string slices) always encode, so the error cannot happen.
func detailsJSON(d domain.Event) string {
	b, err := json.Marshal(Details(d))
	if err != nil {
		return "{}"
	}
	return string(b)
}

// actorID is the acting user's id, or nil (SQL NULL) for the operator/system.
func actorID(a domain.Actor) any {
	if a.Operator || a.User == "" {
		return nil
	}
	return string(a.User)
}

// targetID is the first user the event is about, or nil when it is about none.
func targetID(d domain.Event) any {
	if subjects := domain.Subjects(d); len(subjects) > 0 {
		return string(subjects[0])
	}
	return nil
}

// reason is the event's own reason (the more specific one: a consequence
// event says "deactivated"), else the command's from the metadata, else nil.
func reason(e projections.Event) any {
	own := ""
	switch d := e.Data.(type) {
	case domain.SessionsRevoked:
		own = d.Reason
	case domain.UserDeleted:
		own = d.Reason
	case domain.OwnershipTransferred:
		own = d.Reason
	}
	switch {
	case own != "":
		return own
	case e.Meta.Reason != "":
		return e.Meta.Reason
	}
	return nil
}
