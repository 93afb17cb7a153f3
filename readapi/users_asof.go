package readapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/domain"
)

// UserHistory rebuilds users as they were at past instants from the event
// store — not from a read model, which only knows the present. Deleted
// people read as DeletedUserName with no e-mail at every instant.
type UserHistory interface {
	// UserAsOf returns the user as of at, as API.md's User
	// (documents.NewUser); found is false when the tenant or the user did
	// not exist then.
	UserAsOf(ctx context.Context, tenant domain.TenantID, user domain.UserID, at time.Time) (u documents.User, found bool, err error)
}

// getUserAsOf answers GET /v1/tenants/{tenant}/users/{user}?as_of=…: the
// user as of that instant, from History. min_position does not apply: the
// event store is read directly.
func (a *API) getUserAsOf(w http.ResponseWriter, r *http.Request) {
	body, err := a.userAsOf(r)
	if err != nil {
		a.answerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *API) userAsOf(r *http.Request) (any, error) {
	at, err := timeOf(r.URL.Query(), "as_of")
	if err != nil || at.IsZero() {
		return nil, invalid("as_of", "as_of must be an RFC 3339 instant")
	}
	if a.History == nil {
		return nil, errNoHistory
	}
	u, found, err := a.History.UserAsOf(r.Context(), domain.TenantID(chi.URLParam(r, "tenant")), domain.UserID(chi.URLParam(r, "user")), at)
	if err != nil || !found {
		return nil, orNotFound(err)
	}
	return u, nil
}

// errNoHistory is an internal error: the API was wired without a History.
var errNoHistory = errors.New("readapi: as_of asked of an API without a UserHistory")
