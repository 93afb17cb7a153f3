package wiring

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/readapi"
)

// UserHistory is the read API's History: past users rebuilt from the
// event store with personal data opened (erased for deleted people).
func UserHistory(svc *Services) readapi.UserHistory {
	return PastUsers(execution.NewHistory(svc.Sealed))
}

// PastUsers serves readapi.UserHistory from history.
func PastUsers(history *execution.History) readapi.UserHistory { return pastUsers{history} }

// pastUsers serves readapi.UserHistory from the command side's History: the
// read API may not import commands, so the past user is handed over as
// API.md's User (pastUserDocument).
type pastUsers struct{ history *execution.History }

// UserAsOf implements readapi.UserHistory.
func (p pastUsers) UserAsOf(ctx context.Context, tenant domain.TenantID, user domain.UserID, at time.Time) (documents.User, bool, error) {
	u, found, err := p.history.UserAsOf(ctx, tenant, user, at)
	if errors.Is(err, eventstore.ErrFeedBehind) { // KurrentDB's copy in PostgreSQL lags: 504, as a read model would
		err = fmt.Errorf("%w: %w", readapi.ErrLagging, err)
	}
	if err != nil || !found {
		return documents.User{}, false, err
	}
	return PastUserDocument(u), true, nil
}

// PastUserDocument is a past user as API.md's User: a deleted person
// (erased personal data) as domain.DeletedUserName without e-mail.
func PastUserDocument(p execution.PastUser) documents.User {
	return documents.NewUser(p.Tenant, p.View, p.PersonalData, p.CreatedAt, p.UpdatedAt)
}
