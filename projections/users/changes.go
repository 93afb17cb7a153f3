package users

import (
	"fmt"
	"slices"
	"strings"
	"time"

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
	if user, columns, ok := plainChange(e); ok {
		assignments, args := make([]string, len(columns)), make([]any, len(columns))
		for i, c := range columns {
			assignments[i], args[i] = c.assignment(4+i), c.value
		}
		return set(user, strings.Join(assignments, ", "), args...)
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
	case domain.ProfileChanged:
		var email any
		if !d.PII.Erased {
			email = d.PII.Email
		}
		return set(d.User, `email = $4, name = $5`, email, d.PII.DisplayName())
	}
	return nil // nothing but the version moves (PasswordSet, SessionsRevoked, …), or not a user event
}

// column is a column an event sets to a plain value or, latest, to the
// later of its value and this one (a login older than the one the row holds
// changes nothing; NULL, never logged in, is earlier than any instant).
type column struct {
	name   string
	value  any
	latest bool
}

// assignment is c's SQL assignment, its value argument numbered n.
func (c column) assignment(n int) string {
	if c.latest {
		return fmt.Sprintf("%[1]s = greatest(%[1]s, $%[2]d)", c.name, n) // greatest ignores NULL
	}
	return fmt.Sprintf("%s = $%d", c.name, n)
}

// apply gives c to a row of userColumns' values, as its assignment would.
func (c column) apply(row []any) {
	i := slices.Index(userColumns, c.name)
	if c.latest && row[i] != nil && !c.value.(time.Time).After(row[i].(time.Time)) {
		return
	}
	row[i] = c.value
}

// plainChange returns the user an event changes and the columns it sets,
// for the events whose change needs nothing of the row's previous state
// but the columns' own values (besides the version step); ok is false for
// any other event. Both the SQL of change and the folding of ReduceBatch
// use it.
//
// Every transition into active (an activation, an invitation that activates,
// a reactivation, an unblock back to active) sets active_since to the
// event's instant; a login moves last_login_at forward.
func plainChange(e projections.Event) (user domain.UserID, columns []column, ok bool) {
	status := func(s domain.Status) []column {
		columns := []column{{name: "status", value: string(s)}}
		if s == domain.StatusActive {
			columns = append(columns, column{name: "active_since", value: e.OccurredAt})
		}
		return columns
	}
	switch d := e.Data.(type) {
	case domain.UserActivated, domain.UserReactivated:
		columns = status(domain.StatusActive)
	case domain.UserDeactivated:
		columns = status(domain.StatusInactive)
	case domain.UserBlocked:
		columns = status(domain.StatusBlocked)
	case domain.UserUnblocked:
		columns = status(d.Status)
	case domain.RoleChanged:
		columns = []column{{name: "role", value: string(d.To)}}
	case domain.UserLoggedIn:
		columns = []column{{name: "last_login_at", value: d.At, latest: true}}
	default:
		return "", nil, false
	}
	return domain.Subjects(e.Data)[0], columns, true // each of these events is about one user
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
