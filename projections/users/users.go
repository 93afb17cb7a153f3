package users

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Table is the current version of the read model's table.
const Table = "users_v1"

// Projector keeps the users table.
type Projector struct{ table string }

// New returns the projector of the current table version.
func New() Projector { return Projector{table: Table} }

// Name names the projection (and its consumer group) by its table.
func (p Projector) Name() string { return p.table }

// Schema creates the table, the index behind every filtered list, and a
// trigram index for substring search in names and e-mails.
func (p Projector) Schema() []string {
	t := p.table
	return []string{
		`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id  text        NOT NULL,
    user_id    text        NOT NULL,
    email      text,
    name       text        NOT NULL,
    search     text        NOT NULL,
    role       text        NOT NULL,
    kind       text        NOT NULL,
    status     text        NOT NULL,
    teams      text[]      NOT NULL DEFAULT '{}',
    leads      text[]      NOT NULL DEFAULT '{}',
    version    bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
)`, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_status ON %s (tenant_id, status, user_id)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_search ON %s USING gin (search gin_trgm_ops)`, t, t),
	}
}

// searchText is what q matches: name and e-mail, lower-cased.
func searchText(pii domain.PersonalData) string {
	if pii.Erased {
		return ""
	}
	return strings.ToLower(pii.Name + " " + pii.Email)
}

// Reduce is pure: each event becomes the change to its user's row, plus one
// version step for each user the event is about (domain.Subjects), so that
// versions here equal the write model's.
func (p Projector) Reduce(e projections.Event) []projections.Statement {
	if invited, ok := e.Data.(domain.UserInvited); ok {
		return []projections.Statement{p.insert(e, invited)}
	}
	var statements []projections.Statement
	if change := p.change(e); change != nil {
		statements = append(statements, *change)
	}
	if subjects := domain.Subjects(e.Data); len(subjects) > 0 {
		statements = append(statements, p.bump(e, subjects))
	}
	return statements
}

func (p Projector) insert(e projections.Event, d domain.UserInvited) projections.Statement {
	var email any
	if !d.PII.Erased {
		email = d.PII.Email
	}
	return projections.Statement{SQL: fmt.Sprintf(`INSERT INTO %s
    (tenant_id, user_id, email, name, search, role, kind, status, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'invited', 1, $8, $8)`, p.table),
		Args: []any{string(e.Tenant), string(d.User), email, d.PII.DisplayName(), searchText(d.PII), string(d.Role), string(d.Kind), e.OccurredAt}}
}

func (p Projector) bump(e projections.Event, subjects []domain.UserID) projections.Statement {
	ids := make([]string, len(subjects))
	for i, s := range subjects {
		ids[i] = string(s)
	}
	return projections.Statement{SQL: fmt.Sprintf(`UPDATE %s SET version = version + 1, updated_at = $3
WHERE tenant_id = $1 AND user_id = ANY($2)`, p.table), Args: []any{string(e.Tenant), ids, e.OccurredAt}}
}
