package publicevents

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Prepare loads what telling events needs (the tenants' policies, the
// facts of the users they concern, the command each tenant left open),
// tells them, and returns the statements to store what was told: reducing
// cannot fail, so a public event that cannot be rendered fails here, and
// holds its tenant back like any event a projector cannot apply.
func (p Projector) Prepare(ctx context.Context, db projections.DB, events []projections.Event) (projections.Projector, error) {
	t := newTeller()
	if err := p.load(ctx, db, t, events); err != nil {
		return nil, err
	}
	for _, e := range events {
		t.tell(e)
	}
	statements, err := p.store(t)
	if err != nil {
		return nil, err
	}
	return told{Projector: p, statements: statements}, nil
}

// told is a projector prepared for one batch: its statements are ready.
type told struct {
	Projector
	statements []projections.Statement
}

// ReduceBatch implements projections.BatchReducer.
func (t told) ReduceBatch([]projections.Event) []projections.Statement { return t.statements }

// Reduce, without Prepare, would tell e knowing nothing before it; the
// projections package always prepares, so it only satisfies the interface.
func (p Projector) Reduce(projections.Event) []projections.Statement { return nil }

// load gives t the stored facts and open commands of events' tenants.
func (p Projector) load(ctx context.Context, db projections.DB, t *teller, events []projections.Event) error {
	var tenants, pairTenants, pairUsers []string
	seen := map[string]bool{}
	for _, e := range events {
		if !seen[string(e.Tenant)] {
			seen[string(e.Tenant)] = true
			tenants = append(tenants, string(e.Tenant))
		}
		for _, id := range domain.Subjects(e.Data) {
			if key := string(e.Tenant) + "\x00" + string(id); !seen[key] {
				seen[key] = true
				pairTenants, pairUsers = append(pairTenants, string(e.Tenant)), append(pairUsers, string(id))
			}
		}
	}
	// One statement, one round trip: a live event comes as a batch of its
	// own, so this runs once per event.
	rows, err := db.Query(ctx, fmt.Sprintf(`SELECT 'policy', tenant_id, '', policy FROM %[1]s_tenants WHERE tenant_id = ANY($1)
UNION ALL
SELECT 'user', u.tenant_id, u.user_id, u.facts FROM %[1]s_users u
JOIN unnest($2::text[], $3::text[]) AS k(tenant_id, user_id) USING (tenant_id, user_id)
UNION ALL
SELECT 'open', tenant_id, '', draft FROM %[1]s WHERE tenant_id = ANY($1) AND remaining > 0`, p.Table()), tenants, pairTenants, pairUsers)
	if err != nil {
		return fmt.Errorf("publicevents: load what the batch's tenants left: %w", err)
	}
	var kind, tenant, user string
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&kind, &tenant, &user, &raw}, func() error {
		f := t.tenant(domain.TenantID(tenant))
		switch kind {
		case "policy":
			return json.Unmarshal(raw, &f.policy)
		case "user":
			facts := &userFacts{}
			f.users[domain.UserID(user)], f.stored[domain.UserID(user)] = facts, true
			return json.Unmarshal(raw, facts)
		}
		d := &draft{}
		f.open, t.stored[d] = d, true
		return json.Unmarshal(raw, d)
	})
	if err != nil {
		return fmt.Errorf("publicevents: load what the batch's tenants left: %w", err)
	}
	return nil
}

// store is the statements that keep what t told: each command touched is
// written (its body rendered; its draft kept while it is open), or removed
// once complete if none of its events had a public type; then the facts
// that changed.
func (p Projector) store(t *teller) ([]projections.Statement, error) {
	tbl := p.Table()
	var out []projections.Statement
	told := false
	for _, d := range t.touched {
		if d.Type == "" && d.Remaining == 0 {
			if t.stored[d] {
				out = append(out, projections.Statement{SQL: fmt.Sprintf(`DELETE FROM %s
WHERE tenant_id = $1 AND position_commit = $2 AND position_prepare = $3`, tbl),
					Args: []any{string(d.Tenant), d.Position.Commit, d.Position.Prepare}})
			}
			continue
		}
		body := []byte("{}")
		if d.Type != "" {
			var err error
			if body, err = render(d); err != nil {
				return nil, err
			}
		}
		told = told || d.Type != "" && d.Remaining == 0
		var draftJSON []byte
		if d.Remaining > 0 {
			var err error
			if draftJSON, err = json.Marshal(d); err != nil {
				return nil, fmt.Errorf("publicevents: keep the open command %s: %w", d.EventID, err)
			}
		}
		if !t.stored[d] { // begun in this batch: a new row (a catch-up makes a million)
			out = append(out, projections.Statement{Copy: &projections.Row{Table: tbl, Columns: logColumns,
				Values: []any{string(d.Tenant), d.Position.Commit, d.Position.Prepare, d.EventID, d.Type, projections.NullIfEmpty(string(d.Subject)),
					d.At, d.Remaining, body, nullableJSON(draftJSON)}}})
			continue
		}
		out = append(out, projections.Statement{SQL: fmt.Sprintf(`INSERT INTO %s AS l
    (tenant_id, position_commit, position_prepare, event_id, type, subject, at, remaining, body, draft)
VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, $8, $9, $10)
ON CONFLICT (tenant_id, position_commit, position_prepare) DO UPDATE SET type = EXCLUDED.type,
    subject = EXCLUDED.subject, remaining = EXCLUDED.remaining, body = EXCLUDED.body, draft = EXCLUDED.draft`, tbl),
			Args: []any{string(d.Tenant), d.Position.Commit, d.Position.Prepare, d.EventID, d.Type, string(d.Subject),
				d.At, d.Remaining, body, draftJSON}})
	}
	if told && p.Table() == Table { // the live log: its consumers wake when the batch commits
		out = append(out, projections.Statement{SQL: `SELECT pg_notify($1, '')`, Args: []any{Channel}})
	}
	for tenant, f := range t.tenants {
		if f.policyChanged {
			raw, err := json.Marshal(f.policy)
			if err != nil {
				return nil, fmt.Errorf("publicevents: keep the policy of %s: %w", tenant, err)
			}
			out = append(out, projections.Statement{SQL: fmt.Sprintf(`INSERT INTO %s_tenants (tenant_id, policy) VALUES ($1, $2)
ON CONFLICT (tenant_id) DO UPDATE SET policy = EXCLUDED.policy`, tbl), Args: []any{string(tenant), raw}})
		}
		for id := range f.changed {
			raw, err := json.Marshal(f.users[id])
			if err != nil {
				return nil, fmt.Errorf("publicevents: keep the facts of %s: %w", id, err)
			}
			if !f.stored[id] {
				out = append(out, projections.Statement{Copy: &projections.Row{Table: tbl + "_users", Columns: factsColumns,
					Values: []any{string(tenant), string(id), raw}}})
				continue
			}
			out = append(out, projections.Statement{SQL: fmt.Sprintf(`INSERT INTO %s_users (tenant_id, user_id, facts) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id, user_id) DO UPDATE SET facts = EXCLUDED.facts`, tbl), Args: []any{string(tenant), string(id), raw}})
		}
	}
	return out, nil
}

// logColumns are the log's columns, as its new rows are copied in.
var logColumns = []string{"tenant_id", "position_commit", "position_prepare", "event_id", "type", "subject", "at", "remaining", "body", "draft"}

// factsColumns are the users' facts' columns, as new rows are copied in.
var factsColumns = []string{"tenant_id", "user_id", "facts"}

// nullableJSON is raw, or NULL for none.
func nullableJSON(raw []byte) any {
	if raw == nil {
		return nil
	}
	return raw
}

// Derive tells a whole history at once, from its first event, as the
// projector would with every event in one batch: the public events it
// tells, in the feed's order. It is what the log must hold for that
// history, however the feed cut it into batches.
func Derive(events []projections.Event) ([]json.RawMessage, error) {
	t := newTeller()
	for _, e := range events {
		t.tell(e)
	}
	var out []json.RawMessage
	for _, d := range t.touched {
		if d.Type == "" || d.Remaining > 0 {
			continue
		}
		body, err := render(d)
		if err != nil {
			return nil, err
		}
		out = append(out, body)
	}
	return out, nil
}
