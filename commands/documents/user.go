package documents

import (
	"time"

	"github.com/rosterhq/roster/domain"
)

// User is API.md's User.
type User struct {
	ID     domain.UserID   `json:"id"`
	Tenant domain.TenantID `json:"tenant"`
	// Email is null, and Name domain.DeletedUserName, once the person is
	// deleted.
	Email        *string         `json:"email"`
	Name         string          `json:"name"`
	Role         domain.Role     `json:"role"`
	Kind         domain.Kind     `json:"kind"`
	Status       domain.Status   `json:"status"`
	Teams        []domain.TeamID `json:"teams"`
	Leads        []domain.TeamID `json:"leads"`
	CanLogin     bool            `json:"can_login"`
	Assignable   bool            `json:"assignable"`
	ConsumesSeat bool            `json:"consumes_seat"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Version      int64           `json:"version"`
	// LastLoginAt is the instant of the latest login; null if never.
	LastLoginAt *time.Time `json:"last_login_at"`
}

// NewUser renders API.md's User of tenant: u's role, kind, status, teams,
// capabilities and version (the rest of a UserView is not shown), the
// person's e-mail and name, and the instants of the user's first and
// latest events and of the latest login (shown in UTC). A deleted user, or one whose personal data
// is erased, reads as domain.DeletedUserName with no e-mail, whatever
// person holds. Lists are [] rather than null.
func NewUser(tenant domain.TenantID, u domain.UserView, person domain.PersonalData, created, updated time.Time) User {
	doc := User{ID: u.ID, Tenant: tenant, Name: person.DisplayName(), Role: u.Role, Kind: u.Kind, Status: u.Status,
		Teams: nonNil(u.Teams), Leads: nonNil(u.Leads), CanLogin: u.CanLogin, Assignable: u.Assignable,
		ConsumesSeat: u.ConsumesSeat, CreatedAt: created.UTC(), UpdatedAt: updated.UTC(), Version: u.Version}
	if !u.LastLoginAt.IsZero() {
		at := u.LastLoginAt.UTC()
		doc.LastLoginAt = &at
	}
	if person.Erased || u.Status == domain.StatusDeleted {
		doc.Name = domain.DeletedUserName
		return doc
	}
	email := person.Email
	doc.Email = &email
	return doc
}

// nonNil is s, or an empty list for nil: a list renders as [], never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
