package users

import (
	"fmt"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// change is the row change an event makes besides the version.
func (p Projector) change(e projections.Event) *projections.Statement {
	tenant := string(e.Tenant)
	// set changes one user's row; $3 is the event's time, further
	// arguments follow; the version steps with every change.
	set := func(user domain.UserID, assignments string, args ...any) *projections.Statement {
		return &projections.Statement{
			SQL: fmt.Sprintf(`UPDATE %s SET %s, version = version + 1, updated_at = $3 WHERE tenant_id = $1 AND user_id = $2`,
				p.table, assignments),
			Args: append([]any{tenant, string(user), e.OccurredAt}, args...),
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
		return set(d.User, `status = $4`, string(d.Status))
	case domain.RoleChanged:
		return set(d.User, `role = $4`, string(d.To))
	case domain.UserDeleted:
		return set(d.User, `status = 'deleted', name = $4, email = NULL`, domain.DeletedUserName)
	case domain.TeamJoined:
		return set(d.User, `teams = CASE WHEN $4 = ANY(teams) THEN teams ELSE array_append(teams, $4) END`, string(d.Team))
	case domain.TeamLeft:
		return set(d.User, `teams = array_remove(teams, $4), leads = array_remove(leads, $4)`, string(d.Team))
	case domain.TeamLeaderAssigned:
		return p.leaderChange(e, d)
	}
	return nil // nothing but the version moves (PasswordSet, SessionsRevoked, …), or not a user event
}

// leaderChange moves a team's lead from the previous leader to the new one
// (either may be none: "" matches no user) in one statement, stepping the
// version of both — the event's subjects.
func (p Projector) leaderChange(e projections.Event, d domain.TeamLeaderAssigned) *projections.Statement {
	return &projections.Statement{SQL: fmt.Sprintf(`UPDATE %s SET leads = CASE
    WHEN user_id = $3 THEN CASE WHEN $2 = ANY(leads) THEN leads ELSE array_append(leads, $2) END
    ELSE array_remove(leads, $2) END, version = version + 1, updated_at = $5
WHERE tenant_id = $1 AND user_id IN ($3, $4)`, p.table),
		Args: []any{string(e.Tenant), string(d.Team), string(d.Leader), string(d.Previous), e.OccurredAt}}
}
