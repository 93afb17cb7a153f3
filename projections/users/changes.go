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
	if user, c, ok := plainChange(e.Data); ok {
		return set(user, c.name+" = $4", c.value)
	}
	switch d := e.Data.(type) {
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

// column is a column an event sets to a plain value.
type column struct {
	name  string
	value any
}

// plainChange returns the user an event changes and the one column it sets
// to a plain value, for the events whose change needs nothing of the row's
// previous state (besides the version step); ok is false for any other
// event. Both the SQL of change and the folding of ReduceBatch use it.
func plainChange(d domain.Event) (user domain.UserID, c column, ok bool) {
	switch d := d.(type) {
	case domain.UserActivated, domain.UserReactivated:
		c = column{"status", string(domain.StatusActive)}
	case domain.UserDeactivated:
		c = column{"status", string(domain.StatusInactive)}
	case domain.UserBlocked:
		c = column{"status", string(domain.StatusBlocked)}
	case domain.UserUnblocked:
		c = column{"status", string(d.Status)}
	case domain.RoleChanged:
		c = column{"role", string(d.To)}
	default:
		return "", column{}, false
	}
	return domain.Subjects(d)[0], c, true // each of these events is about one user
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
