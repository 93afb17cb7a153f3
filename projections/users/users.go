package users

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Table is the current version of the read model's table; SearchTable
// holds the text that q matches, apart, so that the many status and version
// updates never touch its trigram index (they rewrite the row and, not being
// HOT, every index of it).
const (
	Table       = "users_v2"
	SearchTable = "users_search_v2"
)

// Projector keeps the users table.
type Projector struct{ table, search string }

// New returns the projector of the current table version.
func New() Projector { return Projector{table: Table, search: SearchTable} }

// NewSuffixed returns a projector of the same read model into tables named
// with suffix: a second copy built beside the live one, as a rebuild or a
// consistency check does.
func NewSuffixed(suffix string) Projector {
	return Projector{table: Table + suffix, search: SearchTable + suffix}
}

// Name names the projection (and its consumer group) by its table.
func (p Projector) Name() string { return p.table }

// Schema creates the table, the index behind every filtered list, the
// index the seat count reads alone (without it, counting a tenant's seats
// scanned every row of the table), the index of active staff by the instant
// their inactivity counts from (the list of those away for N days, and
// automatic deactivation), and a trigram index for substring search in
// names and e-mails.
func (p Projector) Schema() []string {
	t := p.table
	return []string{
		`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id     text        NOT NULL,
    user_id       text        NOT NULL,
    email         text,
    name          text        NOT NULL,
    role          text        NOT NULL,
    kind          text        NOT NULL,
    status        text        NOT NULL,
    teams         text[]      NOT NULL DEFAULT '{}',
    leads         text[]      NOT NULL DEFAULT '{}',
    version       bigint      NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_login_at timestamptz,
    active_since  timestamptz,
    PRIMARY KEY (tenant_id, user_id)
)`, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_status ON %s (tenant_id, status, user_id)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_seats ON %s (tenant_id, kind, status)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_inactive ON %s (tenant_id, (%s)) WHERE %s`,
			t, t, inactiveSinceSQL("last_login_at", "active_since"), activeStaffSQL("status", "kind")),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id text NOT NULL,
    user_id   text NOT NULL,
    search    text NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
)`, p.search),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_trgm ON %s USING gin (search gin_trgm_ops)`, p.search, p.search),
	}
}

// Tables names the read model's tables.
func (p Projector) Tables() []string { return []string{p.table, p.search} }

// searchText is what q matches: name and e-mail, lower-cased.
func searchText(pii domain.PersonalData) string {
	if pii.Erased {
		return ""
	}
	return strings.ToLower(pii.Name + " " + pii.Email)
}

// Reduce is pure: each event becomes one statement — the change to its
// user's row, carrying one version step for each user the event is about
// (domain.Subjects), so that versions here equal the write model's — plus
// the search text on invitation and deletion.
func (p Projector) Reduce(e projections.Event) []projections.Statement {
	switch d := e.Data.(type) {
	case domain.UserInvited:
		return p.insert(e, d)
	case domain.UserDeleted:
		return []projections.Statement{*p.change(e), {
			SQL:  fmt.Sprintf(`DELETE FROM %s WHERE tenant_id = $1 AND user_id = $2`, p.search),
			Args: []any{string(e.Tenant), string(d.User)}}}
	case domain.ProfileChanged:
		return []projections.Statement{*p.change(e), {
			SQL:  fmt.Sprintf(`UPDATE %s SET search = $3 WHERE tenant_id = $1 AND user_id = $2`, p.search),
			Args: []any{string(e.Tenant), string(d.User), searchText(d.PII)}}}
	}
	if change := p.change(e); change != nil {
		return []projections.Statement{*change}
	}
	if subjects := domain.Subjects(e.Data); len(subjects) > 0 {
		return []projections.Statement{p.bump(e, subjects)}
	}
	return nil
}

// userColumns and searchColumns are the columns of new rows, in Row.Values order.
var (
	userColumns = []string{"tenant_id", "user_id", "email", "name", "role", "kind", "status", "version", "created_at", "updated_at",
		"last_login_at", "active_since"}
	searchColumns = []string{"tenant_id", "user_id", "search"}
)

// insert makes the rows of an invited user — new keys (user ids are never
// reused), so they are loaded with COPY.
func (p Projector) insert(e projections.Event, d domain.UserInvited) []projections.Statement {
	var email any
	if !d.PII.Erased {
		email = d.PII.Email
	}
	tenant, user := string(e.Tenant), string(d.User)
	statements := []projections.Statement{{Copy: &projections.Row{Table: p.table, Columns: userColumns,
		Values: []any{tenant, user, email, d.PII.DisplayName(), string(d.Role), string(d.Kind), string(domain.StatusInvited),
			int64(1), e.OccurredAt, e.OccurredAt, nil, nil}}}}
	if !d.PII.Erased {
		statements = append(statements, projections.Statement{Copy: &projections.Row{Table: p.search, Columns: searchColumns,
			Values: []any{tenant, user, searchText(d.PII)}}})
	}
	return statements
}

// bump steps the version of users an event changes nothing else about.
func (p Projector) bump(e projections.Event, subjects []domain.UserID) projections.Statement {
	ids := make([]string, len(subjects))
	for i, s := range subjects {
		ids[i] = string(s)
	}
	return projections.Statement{SQL: fmt.Sprintf(`UPDATE %s SET version = version + 1, updated_at = $3
WHERE tenant_id = $1 AND user_id = ANY($2)`, p.table), Args: []any{string(e.Tenant), ids, e.OccurredAt}}
}
