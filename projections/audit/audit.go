package audit

import (
	"context"
	"fmt"
	"maps"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Table is the current version of the read model's table: v2 added each
// entry's stream version and chained hash.
const Table = "audit_v2"

// Projector keeps the audit table. The projector Prepare returns for a
// batch also holds that batch's rows, their hashes chained.
type Projector struct {
	projections.Named
	rows map[eventstore.Position][]any // by event position, once prepared
}

// New returns the projector of the current table version.
func New() Projector { return NewSuffixed("") }

// NewSuffixed returns a projector of the same read model into tables named
// with suffix (Table+suffix): a second copy built beside the live one, as a
// rebuild or a consistency check does.
func NewSuffixed(suffix string) Projector {
	return Projector{Named: projections.NamedTable(Table, suffix)}
}

// Schema creates the table, keyed by tenant and feed position, and one
// index for each filter of List (all in position order within a tenant).
// The primary key also finds a tenant's last entry, whose hash the next
// one chains to.
func (p Projector) Schema() []string {
	t := p.Table()
	return []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id        text        NOT NULL,
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    stream_version   bigint      NOT NULL,
    event_id         text        NOT NULL,
    at               timestamptz NOT NULL,
    action           text        NOT NULL,
    actor_id         text,
    target_id        text,
    reason           text,
    details          jsonb       NOT NULL DEFAULT '{}',
    hash             bytea       NOT NULL,
    PRIMARY KEY (tenant_id, position_commit, position_prepare)
)`, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_actor ON %s (tenant_id, actor_id, position_commit, position_prepare)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_target ON %s (tenant_id, target_id, position_commit, position_prepare)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_action ON %s (tenant_id, action, position_commit, position_prepare)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_at ON %s (tenant_id, at)`, t, t),
	}
}

// auditColumns are the columns of an audit row, in Row.Values order.
var auditColumns = []string{"tenant_id", "position_commit", "position_prepare", "stream_version", "event_id", "at", "action",
	"actor_id", "target_id", "reason", "details", "hash"}

// Prepare implements projections.Preparer: in the batch's transaction, it
// reads the hash of the last entry of each tenant the batch is about (one
// query), and returns the projector that reduces this batch (Prepared).
// Nothing is kept between batches, so a rolled-back batch leaves no trace.
func (p Projector) Prepare(ctx context.Context, db projections.DB, events []projections.Event) (projections.Projector, error) {
	heads, err := p.heads(ctx, db, tenantsOf(events))
	if err != nil {
		return nil, err
	}
	return p.Prepared(heads, events), nil
}

// Prepared is pure: the projector that reduces events (a batch, in feed
// order), each entry's hash chained to the previous one of its tenant —
// within the batch, or heads[tenant] (the tenant's last stored hash;
// Genesis when absent) for the first.
func (p Projector) Prepared(heads map[domain.TenantID]Hash, events []projections.Event) Projector {
	last := maps.Clone(heads)
	if last == nil {
		last = map[domain.TenantID]Hash{}
	}
	rows := make(map[eventstore.Position][]any, len(events))
	for _, e := range events {
		r, ok := RecordOf(e)
		if !ok {
			continue
		}
		prev, seen := last[r.Tenant]
		if !seen {
			prev = Genesis(r.Tenant)
		}
		h := Chain(prev, r)
		last[r.Tenant] = h
		rows[e.Position] = r.values(h[:])
	}
	return Projector{Named: p.Named, rows: rows}
}

// Reduce is pure: every event becomes one new audit row (loaded with COPY:
// its key, the event's position, is new by construction). The row holds
// ids, never names, e-mails or their blind index. Reduce must be called on
// the projector Prepare or Prepared returned for e's batch: for any other
// event the row has no hash, which the table refuses.
func (p Projector) Reduce(e projections.Event) []projections.Statement {
	values, ok := p.rows[e.Position]
	if !ok {
		r, audited := RecordOf(e)
		if !audited {
			return nil
		}
		values = r.values(nil)
	}
	return []projections.Statement{{Copy: &projections.Row{Table: p.Table(), Columns: auditColumns, Values: values}}}
}

// values is the row of r with hash, in auditColumns order.
func (r Record) values(hash []byte) []any {
	return []any{string(r.Tenant), r.Position.Commit, r.Position.Prepare, r.Version, r.EventID, r.At, r.Action,
		projections.NullIfEmpty(r.Actor), projections.NullIfEmpty(r.Target), projections.NullIfEmpty(r.Reason), string(r.Details), hash}
}

// tenantsOf lists the tenants of the events the trail holds, once each.
func tenantsOf(events []projections.Event) []string {
	seen := map[domain.TenantID]bool{}
	var out []string
	for _, e := range events {
		if e.Data != nil && !seen[e.Tenant] {
			seen[e.Tenant] = true
			out = append(out, string(e.Tenant))
		}
	}
	return out
}

// heads reads the hash of each tenant's last entry; tenants without one
// are absent from the map.
func (p Projector) heads(ctx context.Context, db projections.DB, tenants []string) (map[domain.TenantID]Hash, error) {
	heads := map[domain.TenantID]Hash{}
	if len(tenants) == 0 {
		return heads, nil
	}
	rows, err := db.Query(ctx, fmt.Sprintf(`SELECT t.tenant_id, h.hash FROM unnest($1::text[]) AS t(tenant_id)
CROSS JOIN LATERAL (SELECT a.hash FROM %s a WHERE a.tenant_id = t.tenant_id
    ORDER BY a.position_commit DESC, a.position_prepare DESC LIMIT 1) h`, p.Table()), tenants)
	if err != nil {
		return nil, fmt.Errorf("audit: last hashes: %w", err)
	}
	var (
		tenant string
		hash   []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&tenant, &hash}, func() error {
		if len(hash) != len(Hash{}) {
			return fmt.Errorf("tenant %s: the last entry's hash has %d bytes", tenant, len(hash))
		}
		heads[domain.TenantID(tenant)] = Hash(hash)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: last hashes: %w", err)
	}
	return heads, nil
}

// targetID is the first user the event is about, or "" when it is about none.
func targetID(d domain.Event) string {
	if subjects := domain.Subjects(d); len(subjects) > 0 {
		return string(subjects[0])
	}
	return ""
}

// reason is the event's own reason (the more specific one: a consequence
// event says "deactivated"), else the command's from the metadata, else "".
func reason(e projections.Event) string {
	if own := ownReason(e.Data); own != "" {
		return own
	}
	return e.Meta.Reason
}

// ownReason is the reason field of the events that have one.
func ownReason(d domain.Event) string {
	switch d := d.(type) {
	case domain.SessionsRevoked:
		return d.Reason
	case domain.UserDeleted:
		return d.Reason
	case domain.OwnershipTransferred:
		return d.Reason
	}
	return ""
}
