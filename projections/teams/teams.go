package teams

import (
	"fmt"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Schema creates the table; its primary key serves the one query, a
// tenant's teams in id order.
func (p Projector) Schema() []string {
	return []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id  text        NOT NULL,
    team_id    text        NOT NULL,
    name       text        NOT NULL,
    leader     text,
    members    text[]      NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, team_id)
)`, p.Table())}
}

// Reduce is pure: each team event becomes one statement on its team's row,
// doing what domain.Evolve does to the write model — a leaver loses the lead
// too, and a deleted user leaves every team (Decide emits TeamLeft first, so
// that statement normally finds nothing to change). Other events give none.
func (p Projector) Reduce(e projections.Event) []projections.Statement {
	switch d := e.Data.(type) {
	case domain.TeamDefined:
		return []projections.Statement{{SQL: fmt.Sprintf(`INSERT INTO %s (tenant_id, team_id, name, updated_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id, team_id) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at`, p.Table()),
			Args: []any{string(e.Tenant), string(d.Team), d.Name, e.OccurredAt}}}
	case domain.TeamJoined:
		return p.set(e, d.Team, `members = CASE WHEN $4 = ANY(members) THEN members ELSE array_append(members, $4) END`, string(d.User))
	case domain.TeamLeft:
		return p.set(e, d.Team, `members = array_remove(members, $4), leader = CASE WHEN leader = $4 THEN NULL ELSE leader END`, string(d.User))
	case domain.TeamLeaderAssigned:
		return p.set(e, d.Team, `leader = NULLIF($4, '')`, string(d.Leader))
	case domain.TeamDeleted:
		return []projections.Statement{{SQL: fmt.Sprintf(`DELETE FROM %s WHERE tenant_id = $1 AND team_id = $2`, p.Table()),
			Args: []any{string(e.Tenant), string(d.Team)}}}
	case domain.UserDeleted:
		return []projections.Statement{{SQL: fmt.Sprintf(`UPDATE %s
SET members = array_remove(members, $2), leader = CASE WHEN leader = $2 THEN NULL ELSE leader END, updated_at = $3
WHERE tenant_id = $1 AND $2 = ANY(members)`, p.Table()),
			Args: []any{string(e.Tenant), string(d.User), e.OccurredAt}}}
	}
	return nil
}

// set changes one team's row: $1 tenant, $2 team, $3 the event's time, $4 arg.
func (p Projector) set(e projections.Event, team domain.TeamID, assignments string, arg any) []projections.Statement {
	return []projections.Statement{{
		SQL:  fmt.Sprintf(`UPDATE %s SET %s, updated_at = $3 WHERE tenant_id = $1 AND team_id = $2`, p.Table(), assignments),
		Args: []any{string(e.Tenant), string(team), e.OccurredAt, arg}}}
}

// handled are the only events this read model uses.
var handled = projections.Of(domain.TeamDefined{}, domain.TeamJoined{}, domain.TeamLeft{}, domain.TeamLeaderAssigned{}, domain.TeamDeleted{}, domain.UserDeleted{})

// Handles implements projections.Interested: other events need no decoding.
func (p Projector) Handles(eventType string) bool { return handled[eventType] }
