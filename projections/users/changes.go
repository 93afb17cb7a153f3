package users

import (
	"fmt"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// change is the row change an event makes besides the version.
func (p Projector) change(e projections.Event) *projections.Statement {
	tenant := string(e.Tenant)
	set := func(user domain.UserID, assignments string, args ...any) *projections.Statement {
		return &projections.Statement{
			SQL:  fmt.Sprintf(`UPDATE %s SET %s WHERE tenant_id = $1 AND user_id = $2`, p.table, assignments),
			Args: append([]any{tenant, string(user)}, args...),
		}
	}
	switch d := e.Data.(type) {
	case domain.UserActivated:
		return set(d.User, `status = 'active'`)
	case domain.UserReactivated:
		return set(d.User, `status = 'active'`)
	case domain.UserDeactivated:
		return set(d.User, `status = 'inactive'`)
	case domain.UserBlocked:
		return set(d.User, `status = 'blocked'`)
	case domain.UserUnblocked:
		return set(d.User, `status = $3`, string(d.Status))
	case domain.RoleChanged:
		return set(d.User, `role = $3`, string(d.To))
	case domain.UserDeleted:
		return set(d.User, `status = 'deleted', name = $3, email = NULL, search = ''`, domain.DeletedUserName)
	case domain.TeamJoined:
		return set(d.User, `teams = CASE WHEN $3 = ANY(teams) THEN teams ELSE array_append(teams, $3) END`, string(d.Team))
	case domain.TeamLeft:
		return set(d.User, `teams = array_remove(teams, $3), leads = array_remove(leads, $3)`, string(d.Team))
	case domain.TeamLeaderAssigned:
		return p.leaderChange(tenant, d)
	}
	return nil // nothing but the version moves (PasswordSet, SessionsRevoked, …), or not a user event
}

// leaderChange moves a team's lead from the previous leader to the new one
// (either may be none) in one statement.
func (p Projector) leaderChange(tenant string, d domain.TeamLeaderAssigned) *projections.Statement {
	return &projections.Statement{SQL: fmt.Sprintf(`UPDATE %s SET leads = CASE
    WHEN user_id = $3 THEN CASE WHEN $2 = ANY(leads) THEN leads ELSE array_append(leads, $2) END
    ELSE array_remove(leads, $2) END
WHERE tenant_id = $1 AND user_id IN ($3, $4)`, p.table),
		Args: []any{tenant, string(d.Team), string(d.Leader), string(d.Previous)}}
}
