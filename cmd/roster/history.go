package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/users"
	"github.com/rosterhq/roster/readapi"
)

// userHistory is the read API's History: past users rebuilt from the
// event store with personal data opened (erased for deleted people).
func userHistory(svc *services) readapi.UserHistory {
	return pastUsers{execution.NewHistory(svc.sealed)}
}

// pastUsers serves readapi.UserHistory from the command side's History: the
// read API may not import commands, so the past user is handed over in the
// read model's shape.
type pastUsers struct{ history *execution.History }

// UserAsOf implements readapi.UserHistory.
func (p pastUsers) UserAsOf(ctx context.Context, tenant domain.TenantID, user domain.UserID, at time.Time) (users.User, bool, error) {
	u, found, err := p.history.UserAsOf(ctx, tenant, user, at)
	if errors.Is(err, eventstore.ErrFeedBehind) { // KurrentDB's copy in PostgreSQL lags: 504, as a read model would
		err = fmt.Errorf("%w: %w", readapi.ErrLagging, err)
	}
	if err != nil || !found {
		return users.User{}, false, err
	}
	return readModelUser(u), true, nil
}

// readModelUser is a past user as the users read model shows a present one:
// a deleted person (erased personal data) as DeletedUserName without e-mail.
func readModelUser(p execution.PastUser) users.User {
	u := users.User{ID: p.View.ID, Tenant: p.Tenant, Name: p.DisplayName(), Role: p.View.Role, Kind: p.View.Kind,
		Status: p.View.Status, Teams: teamIDs(p.View.Teams), Leads: teamIDs(p.View.Leads),
		CanLogin: p.View.CanLogin, Assignable: p.View.Assignable, ConsumesSeat: p.View.ConsumesSeat,
		Version: p.View.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.Erased || p.View.Status == domain.StatusDeleted {
		u.Name = domain.DeletedUserName
		return u
	}
	email := p.Email
	u.Email = &email
	return u
}

// teamIDs is ids as strings, never nil (an empty list renders as []).
func teamIDs(ids []domain.TeamID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
