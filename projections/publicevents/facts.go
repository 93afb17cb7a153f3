package publicevents

import (
	"time"

	"github.com/rosterhq/roster/domain"
)

// userFacts is what telling a command needs to know of a user beyond the
// command's own events: the fields of the domain's user that its
// consequences compare before and after (status, role, kind for the seat,
// the sessions rule). The projector keeps them in its _users table.
type userFacts struct {
	Kind          domain.Kind   `json:"kind"`
	Status        domain.Status `json:"status"`
	Role          domain.Role   `json:"role"`
	RevokedBefore time.Time     `json:"revoked_before,omitzero"`
	Kept          string        `json:"kept,omitempty"`
}

// apply moves f as domain.Evolve moves the same fields of the user, so that
// the consequences told equal those the command's reply gave.
func (f *userFacts) apply(e domain.Event) {
	switch e := e.(type) {
	case domain.UserActivated, domain.UserReactivated:
		f.Status = domain.StatusActive
	case domain.UserDeactivated:
		f.Status = domain.StatusInactive
	case domain.UserBlocked:
		f.Status = domain.StatusBlocked
	case domain.UserUnblocked:
		f.Status = e.Status
	case domain.UserDeleted:
		f.Status = domain.StatusDeleted
	case domain.RoleChanged:
		f.Role = e.To
	case domain.SessionsRevoked:
		if e.RevokedBefore.After(f.RevokedBefore) {
			f.RevokedBefore, f.Kept = e.RevokedBefore, e.Kept
		}
	}
}

// view is f as the domain's view of user id under policy p.
func (f userFacts) view(id domain.UserID, p domain.Policy) domain.UserView {
	return domain.UserView{ID: id, Kind: f.Kind, Status: f.Status, Role: f.Role,
		SessionsRevokedBefore: f.RevokedBefore, KeptSession: f.Kept, Capabilities: p.Capabilities(f.Kind, f.Status)}
}
