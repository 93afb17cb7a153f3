package provisioning

import (
	"context"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/scim"
	"github.com/rosterhq/roster/domain"
)

// UserPages pages through a tenant's users, deleted ones left out, in id
// order: the ids of page p (1-based start) and how many there are in all.
type UserPages interface {
	UserIDs(ctx context.Context, tenant domain.TenantID, offset, limit int) (ids []domain.UserID, total int, err error)
}

// Directory is scim.Directory over the use cases.
type Directory struct {
	commands *commands.Handlers
	queries  *execution.Queries
	indexes  commands.EmailIndexer
	pages    UserPages
	uses     Uses
	recorded recorded
}

var _ scim.Directory = (*Directory)(nil)

// New returns the Directory, which is also the Authenticator of SCIM
// tokens (recording each connection's use in uses).
func New(h *commands.Handlers, q *execution.Queries, indexes commands.EmailIndexer, pages UserPages, uses Uses) *Directory {
	return &Directory{commands: h, queries: q, indexes: indexes, pages: pages, uses: uses}
}

// envelope is the envelope of a connection's command: its tenant, and the
// connection as the caller.
func envelope(c scim.Connection) execution.Envelope {
	return execution.Envelope{Tenant: c.Tenant, Caller: actor(c)}
}

func actor(c scim.Connection) domain.Actor {
	return domain.ConnectionActor(domain.ConnectionID(c.ID), c.Name)
}

// notFound is the refusal of a read or change of what does not exist for
// SCIM (a deleted user among them: SCIM forgets them).
func notFound(what string) error { return domain.NewError(domain.CodeNotFound, "no such %s", what) }

// member returns the live (not deleted) user id of the connection's tenant.
func (d *Directory) member(ctx context.Context, c scim.Connection, id string) (execution.Member, error) {
	uid := domain.UserID(id)
	if !uid.Valid() {
		return execution.Member{}, notFound("user")
	}
	m, found, err := d.queries.Member(ctx, c.Tenant, uid)
	if err != nil {
		return execution.Member{}, err
	}
	if !found || m.User.Status == domain.StatusDeleted {
		return execution.Member{}, notFound("user")
	}
	return m, nil
}

// users reads the live (not deleted) users find picks and the names of the
// tenant's teams, for rendering, from the write model as this request's
// authentication caught it up (AuthenticateSCIM reads the stream's tail
// for the token; no second read of it here) or, later in the request,
// as its own commands left it.
func (d *Directory) users(ctx context.Context, tenant domain.TenantID, find func(*domain.Tenant) []domain.UserView) (
	found []domain.UserView, teams map[domain.TeamID]string, err error) {
	err = d.queries.ViewCached(ctx, tenant, func(s *domain.Tenant) {
		for _, u := range find(s) {
			if u.Status != domain.StatusDeleted {
				found = append(found, u)
			}
		}
		teams = map[domain.TeamID]string{}
		for _, t := range s.Teams() {
			teams[t.ID] = t.Name
		}
	})
	return found, teams, err
}

// one adapts a look-up of one user for users.
func one(u domain.UserView, ok bool) []domain.UserView {
	if !ok {
		return nil
	}
	return []domain.UserView{u}
}

// render is u as SCIM shows them. Invited users read active: they are who
// the identity provider asked to be active.
func (d *Directory) render(ctx context.Context, tenant domain.TenantID, u domain.UserView, teams map[domain.TeamID]string) (scim.User, error) {
	p, err := d.queries.Profile(ctx, tenant, u, execution.Result{})
	if err != nil {
		return scim.User{}, err
	}
	out := scim.User{
		ID: string(u.ID), ExternalID: p.ExternalID, UserName: p.Email, DisplayName: p.Name, GivenName: p.GivenName,
		FamilyName: p.FamilyName, Email: p.Email, Active: u.Status == domain.StatusInvited || u.Status == domain.StatusActive,
		Role: u.Role, Created: p.CreatedAt, Modified: p.UpdatedAt, Version: u.Version, Groups: []scim.GroupRef{},
	}
	for _, t := range u.Teams {
		out.Groups = append(out.Groups, scim.GroupRef{ID: string(t), DisplayName: teams[t]})
	}
	return out, nil
}
