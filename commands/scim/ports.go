package scim

import (
	"context"
	"time"

	"github.com/rosterhq/roster/domain"
)

// Connection is the SCIM connection a request authenticated as: the
// tenant it provisions, and the name its changes are attributed to in the
// audit trail (actor "scim:<name>").
type Connection struct {
	Tenant domain.TenantID
	ID     string
	Name   string
}

// User is a Roster user as SCIM shows them. Active is true for invited
// and active users (an invited user is one the identity provider wants
// active: reading them as inactive sends Okta into a reactivation loop).
type User struct {
	ID          string
	ExternalID  string
	UserName    string // the e-mail address, as stored
	DisplayName string
	GivenName   string // as last provisioned; "" when never given
	FamilyName  string
	Email       string
	Active      bool
	Role        domain.Role
	Groups      []GroupRef
	Created     time.Time
	Modified    time.Time
	Version     int64
}

// GroupRef is a group a user is a member of.
type GroupRef struct {
	ID          string
	DisplayName string
}

// UserInput is a user as a create or a full replace (PUT) gives them.
// Active nil means the attribute was absent (create: true).
type UserInput struct {
	UserName    string
	ExternalID  string
	DisplayName string
	GivenName   string
	FamilyName  string
	Email       string // the work e-mail, or the primary one; "" falls back on UserName
	Password    string // accepted, never echoed
	Active      *bool
	Role        domain.Role // "" when none was given (roles[primary] or the first one)
}

// UserChanges is what a PATCH changes; nil fields stay as they are.
type UserChanges struct {
	Active      *bool
	UserName    *string
	ExternalID  *string
	DisplayName *string
	GivenName   *string
	FamilyName  *string
	Email       *string
	Role        *domain.Role
}

// UserFilter is the conjunction of equalities a list is filtered by; nil
// fields do not filter. UserName compares case-insensitively.
type UserFilter struct {
	UserName   *string
	ExternalID *string
	Email      *string // emails[type eq "work"].value, or emails.value
}

// Group is a Roster team as SCIM shows it.
type Group struct {
	ID          string
	DisplayName string
	ExternalID  string
	Members     []Member
	Created     time.Time
	Modified    time.Time
	Version     int64
}

// Member is a user in a group.
type Member struct {
	ID      string
	Display string
}

// GroupInput is a group as a create or a full replace gives it.
type GroupInput struct {
	DisplayName string
	ExternalID  string
	Members     []string // user ids
}

// GroupChanges is what a group PATCH changes. Replace, when not nil,
// replaces the whole membership (the directory turns it into the
// difference); Add and Remove apply after it.
type GroupChanges struct {
	DisplayName *string
	ExternalID  *string
	Replace     *[]string
	Add         []string
	Remove      []string
}

// GroupFilter is the conjunction of equalities a group list is filtered by.
type GroupFilter struct {
	DisplayName *string
	ExternalID  *string
}

// Page is one page of a list: 1-based StartIndex, at most Count items,
// Total matches in all.
type Page struct {
	StartIndex int
	Count      int
}

// Directory is what the SCIM adapter asks of Roster, in Roster's terms:
// every method is one or a few of the same commands and queries the JSON
// API runs, under the tenant's policy, on behalf of the connection. Errors
// are *domain.Error (refusals, with their codes) or internal errors.
type Directory interface {
	CreateUser(ctx context.Context, c Connection, in UserInput) (User, error)
	User(ctx context.Context, c Connection, id string) (User, error)
	Users(ctx context.Context, c Connection, f UserFilter, p Page) (users []User, total int, err error)
	ReplaceUser(ctx context.Context, c Connection, id string, in UserInput) (User, error)
	ChangeUser(ctx context.Context, c Connection, id string, ch UserChanges) (User, error)
	DeleteUser(ctx context.Context, c Connection, id string) error

	CreateGroup(ctx context.Context, c Connection, in GroupInput) (Group, error)
	Group(ctx context.Context, c Connection, id string) (Group, error)
	Groups(ctx context.Context, c Connection, f GroupFilter, p Page) (groups []Group, total int, err error)
	ReplaceGroup(ctx context.Context, c Connection, id string, in GroupInput) (Group, error)
	ChangeGroup(ctx context.Context, c Connection, id string, ch GroupChanges) (Group, error)
	DeleteGroup(ctx context.Context, c Connection, id string) error
}

// Authenticator resolves a SCIM bearer token on tenant's base URL to its
// connection; ok is false for a missing, unknown or revoked token, or the
// token of another tenant's connection.
type Authenticator interface {
	AuthenticateSCIM(ctx context.Context, tenant domain.TenantID, token string) (c Connection, ok bool, err error)
}
