package scim

import (
	"context"
	"sync"
	"time"

	"github.com/rosterhq/roster/domain"
)

// call is one call a recordingDirectory got: the method's name, the id it
// was about, and its input (UserInput, UserChanges, UserFilter, Page, ...).
type call struct {
	method string
	conn   Connection
	id     string
	in     any
	page   Page
}

// recordingDirectory is the test implementation of Directory: it records
// every call and answers with its user and group (given the id asked for),
// its lists, or err.
type recordingDirectory struct {
	mu     sync.Mutex
	calls  []call
	user   User
	group  Group
	users  []User
	groups []Group
	total  int
	err    error
}

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newDirectory() *recordingDirectory {
	return &recordingDirectory{
		user: User{ID: "u1", ExternalID: "ext-1", UserName: "ann@example.com", DisplayName: "Ann Lee",
			GivenName: "Ann", FamilyName: "Lee", Email: "ann@example.com", Active: true, Role: domain.RoleAdmin,
			Groups: []GroupRef{{ID: "g1", DisplayName: "Sales"}}, Created: created, Modified: created.Add(time.Hour), Version: 7},
		group: Group{ID: "g1", DisplayName: "Sales", Members: []Member{{ID: "u1", Display: "Ann Lee"}},
			Created: created, Modified: created, Version: 3},
	}
}

func (d *recordingDirectory) record(c call) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, c)
}

// only returns the one call recorded, or a call named "none" or "many".
func (d *recordingDirectory) only() call {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch len(d.calls) {
	case 0:
		return call{method: "none"}
	case 1:
		return d.calls[0]
	}
	return call{method: "many"}
}

func (d *recordingDirectory) userAnswer(c call) (User, error) {
	d.record(c)
	u := d.user
	if c.id != "" {
		u.ID = c.id
	}
	return u, d.err
}

func (d *recordingDirectory) groupAnswer(c call) (Group, error) {
	d.record(c)
	g := d.group
	if c.id != "" {
		g.ID = c.id
	}
	return g, d.err
}

func (d *recordingDirectory) CreateUser(_ context.Context, c Connection, in UserInput) (User, error) {
	return d.userAnswer(call{method: "CreateUser", conn: c, in: in})
}

func (d *recordingDirectory) User(_ context.Context, c Connection, id string) (User, error) {
	return d.userAnswer(call{method: "User", conn: c, id: id})
}

func (d *recordingDirectory) Users(_ context.Context, c Connection, f UserFilter, p Page) ([]User, int, error) {
	d.record(call{method: "Users", conn: c, in: f, page: p})
	return d.users, d.total, d.err
}

func (d *recordingDirectory) ReplaceUser(_ context.Context, c Connection, id string, in UserInput) (User, error) {
	return d.userAnswer(call{method: "ReplaceUser", conn: c, id: id, in: in})
}

func (d *recordingDirectory) ChangeUser(_ context.Context, c Connection, id string, ch UserChanges) (User, error) {
	return d.userAnswer(call{method: "ChangeUser", conn: c, id: id, in: ch})
}

func (d *recordingDirectory) DeleteUser(_ context.Context, c Connection, id string) error {
	d.record(call{method: "DeleteUser", conn: c, id: id})
	return d.err
}

func (d *recordingDirectory) CreateGroup(_ context.Context, c Connection, in GroupInput) (Group, error) {
	return d.groupAnswer(call{method: "CreateGroup", conn: c, in: in})
}

func (d *recordingDirectory) Group(_ context.Context, c Connection, id string) (Group, error) {
	return d.groupAnswer(call{method: "Group", conn: c, id: id})
}

func (d *recordingDirectory) Groups(_ context.Context, c Connection, f GroupFilter, p Page) ([]Group, int, error) {
	d.record(call{method: "Groups", conn: c, in: f, page: p})
	return d.groups, d.total, d.err
}

func (d *recordingDirectory) ReplaceGroup(_ context.Context, c Connection, id string, in GroupInput) (Group, error) {
	return d.groupAnswer(call{method: "ReplaceGroup", conn: c, id: id, in: in})
}

func (d *recordingDirectory) ChangeGroup(_ context.Context, c Connection, id string, ch GroupChanges) (Group, error) {
	return d.groupAnswer(call{method: "ChangeGroup", conn: c, id: id, in: ch})
}

func (d *recordingDirectory) DeleteGroup(_ context.Context, c Connection, id string) error {
	d.record(call{method: "DeleteGroup", conn: c, id: id})
	return d.err
}

// tokens is the test Authenticator: the token "good" is the connection
// "okta" of tenant "acme"; "broken" fails.
type tokens struct{}

var okta = Connection{Tenant: "acme", ID: "c1", Name: "okta"}

func (tokens) AuthenticateSCIM(_ context.Context, tenant domain.TenantID, token string) (Connection, bool, error) {
	switch {
	case token == "broken":
		return Connection{}, false, context.DeadlineExceeded
	case token == "good" && tenant == okta.Tenant:
		return okta, true, nil
	}
	return Connection{}, false, nil
}
