package provisioning

import (
	"context"
	"errors"
	"strings"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/scim"
	"github.com/rosterhq/roster/domain"
)

// reasonDeleted is recorded with the deletion or deactivation a SCIM DELETE
// makes.
const reasonDeleted = "deleted in the identity provider"

// profile is the part of a user SCIM may replace: their profile (e-mail,
// name, what the provider calls them).
type profile struct {
	email, name string
	provisioned commands.Provisioned
}

// profileOf is the profile a create or a PUT gives. Roster's e-mail is the
// user name when that is an address (Okta's and Entra's default), else the
// work e-mail; the name is the display name, else the name's parts, else
// the e-mail.
func profileOf(in scim.UserInput) profile {
	email := in.Email
	if _, err := domain.ParseEmail("userName", in.UserName); err == nil || email == "" {
		email = in.UserName
	}
	name := strings.TrimSpace(in.DisplayName)
	if name == "" {
		name = strings.TrimSpace(in.GivenName + " " + in.FamilyName)
	}
	if name == "" {
		name = email
	}
	return profile{email: email, name: name,
		provisioned: commands.Provisioned{ExternalID: in.ExternalID, GivenName: in.GivenName, FamilyName: in.FamilyName}}
}

// CreateUser invites the user, active unless the provider says otherwise
// (then invited and deactivated at once: an invited user reads active).
func (d *Directory) CreateUser(ctx context.Context, c scim.Connection, in scim.UserInput) (scim.User, error) {
	p, role := profileOf(in), in.Role
	if role == "" {
		role = domain.RoleMember
	}
	res, err := d.commands.InviteUser.Handle(ctx, envelope(c), commands.InviteUser{Actor: actor(c), Email: p.email, Name: p.name,
		Password: in.Password, Role: role, Kind: domain.KindMember, Activate: in.Active == nil || *in.Active, Provisioned: p.provisioned})
	if err != nil {
		return scim.User{}, err
	}
	if res.User == nil {
		return scim.User{}, errors.New("provisioning: an invitation answered no user")
	}
	id := string(res.User.ID)
	if in.Active != nil && !*in.Active {
		if err := d.setActive(ctx, c, id, false); err != nil {
			return scim.User{}, err
		}
	}
	return d.User(ctx, c, id)
}

// User reads one user from the write model.
func (d *Directory) User(ctx context.Context, c scim.Connection, id string) (scim.User, error) {
	found, teams, err := d.users(ctx, c.Tenant, func(s *domain.Tenant) []domain.UserView { return one(s.User(domain.UserID(id))) })
	if err != nil {
		return scim.User{}, err
	}
	if len(found) == 0 {
		return scim.User{}, notFound("user")
	}
	return d.render(ctx, c.Tenant, found[0], teams)
}

// Users answers a list: a filter names at most one user (userName and the
// e-mail by its blind index, externalId by its own), found in the write
// model; without one, the users read model pages through the ids.
func (d *Directory) Users(ctx context.Context, c scim.Connection, f scim.UserFilter, p scim.Page) ([]scim.User, int, error) {
	if f == (scim.UserFilter{}) {
		return d.allUsers(ctx, c, p)
	}
	var find func(s *domain.Tenant) (domain.UserView, bool)
	switch index := d.indexes; {
	case f.ExternalID != nil:
		find = func(s *domain.Tenant) (domain.UserView, bool) {
			return s.UserByExternalIDIndex(index.ExternalIDIndex(*f.ExternalID))
		}
	case f.UserName != nil:
		find = func(s *domain.Tenant) (domain.UserView, bool) {
			return s.UserByEmailIndex(index.EmailIndex(*f.UserName))
		}
	default:
		find = func(s *domain.Tenant) (domain.UserView, bool) { return s.UserByEmailIndex(index.EmailIndex(*f.Email)) }
	}
	found, teams, err := d.users(ctx, c.Tenant, func(s *domain.Tenant) []domain.UserView { return one(find(s)) })
	if err != nil || len(found) == 0 {
		return []scim.User{}, 0, err
	}
	u, err := d.render(ctx, c.Tenant, found[0], teams)
	if err != nil {
		return nil, 0, err
	}
	holds := func(want *string, got string, fold bool) bool {
		return want == nil || got == *want || fold && strings.EqualFold(got, *want)
	}
	if !holds(f.ExternalID, u.ExternalID, false) || !holds(f.UserName, u.UserName, true) || !holds(f.Email, u.Email, true) {
		return []scim.User{}, 0, nil
	}
	if p.StartIndex > 1 || p.Count < 1 {
		return []scim.User{}, 1, nil
	}
	return []scim.User{u}, 1, nil
}

// allUsers is a page of every user: ids from the read model, each user as
// the write model has them (one deleted since the read model listed them
// is left out).
func (d *Directory) allUsers(ctx context.Context, c scim.Connection, p scim.Page) ([]scim.User, int, error) {
	ids, total, err := d.pages.UserIDs(ctx, c.Tenant, max(p.StartIndex, 1)-1, p.Count)
	if err != nil {
		return nil, 0, err
	}
	found, teams, err := d.users(ctx, c.Tenant, func(s *domain.Tenant) []domain.UserView {
		out := make([]domain.UserView, 0, len(ids))
		for _, id := range ids {
			if u, ok := s.User(id); ok {
				out = append(out, u)
			}
		}
		return out
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]scim.User, 0, len(found))
	for _, u := range found {
		r, err := d.render(ctx, c.Tenant, u, teams)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, nil
}

// ReplaceUser makes the user what in says: profile, role, then status.
// Attributes in leaves out keep their value (active, role).
func (d *Directory) ReplaceUser(ctx context.Context, c scim.Connection, id string, in scim.UserInput) (scim.User, error) {
	ch := scim.UserChanges{Active: in.Active}
	p := profileOf(in)
	ch.Email, ch.DisplayName = &p.email, &p.name
	ch.ExternalID, ch.GivenName, ch.FamilyName = &in.ExternalID, &in.GivenName, &in.FamilyName
	if in.Role != "" {
		ch.Role = &in.Role
	}
	return d.ChangeUser(ctx, c, id, ch)
}

// ChangeUser applies ch: the profile when it changes, the role, then
// whether the user is active. Each step stores nothing when its outcome
// already holds (a repeated active:false appends nothing).
func (d *Directory) ChangeUser(ctx context.Context, c scim.Connection, id string, ch scim.UserChanges) (scim.User, error) {
	m, err := d.member(ctx, c, id)
	if err != nil {
		return scim.User{}, err
	}
	if err := d.changeProfile(ctx, c, m.User, ch); err != nil {
		return scim.User{}, err
	}
	if ch.Role != nil && *ch.Role != m.User.Role {
		if _, err := d.commands.ChangeRole.Handle(ctx, envelope(c), domain.ChangeRole{Actor: actor(c), User: m.User.ID, Role: *ch.Role}); err != nil {
			return scim.User{}, err
		}
	}
	if ch.Active != nil {
		if err := d.setActive(ctx, c, id, *ch.Active); err != nil {
			return scim.User{}, err
		}
	}
	return d.User(ctx, c, id)
}

// changeProfile stores the profile ch gives, when it differs from the
// user's: the domain sees only blind indexes of a profile, so an unchanged
// one must not reach it.
func (d *Directory) changeProfile(ctx context.Context, c scim.Connection, u domain.UserView, ch scim.UserChanges) error {
	current, err := d.queries.Profile(ctx, c.Tenant, u, execution.Result{})
	if err != nil {
		return err
	}
	next := profile{email: current.Email, name: current.Name, provisioned: commands.Provisioned{
		ExternalID: current.ExternalID, GivenName: current.GivenName, FamilyName: current.FamilyName}}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if ch.UserName != nil {
		if _, err := domain.ParseEmail("userName", *ch.UserName); err == nil {
			next.email = *ch.UserName
		}
	}
	set(&next.email, ch.Email)
	set(&next.name, ch.DisplayName)
	set(&next.provisioned.ExternalID, ch.ExternalID)
	set(&next.provisioned.GivenName, ch.GivenName)
	set(&next.provisioned.FamilyName, ch.FamilyName)
	if strings.TrimSpace(next.name) == "" {
		next.name = strings.TrimSpace(next.provisioned.GivenName + " " + next.provisioned.FamilyName)
	}
	was := profile{email: current.Email, name: current.Name, provisioned: commands.Provisioned{
		ExternalID: current.ExternalID, GivenName: current.GivenName, FamilyName: current.FamilyName}}
	if normalized, err := domain.NormalizeEmail(next.email); err == nil {
		next.email = normalized
	}
	if next == was {
		return nil
	}
	_, err = d.commands.ChangeProfile.Handle(ctx, envelope(c), commands.ChangeProfile{Actor: actor(c), User: u.ID,
		Email: next.email, Name: next.name, Provisioned: next.provisioned})
	return err
}

// setActive deactivates an invited or active user (active false), or
// reactivates an inactive one (true). A blocked user stays blocked: an
// admin blocked them in Roster, and only Roster unblocks.
func (d *Directory) setActive(ctx context.Context, c scim.Connection, id string, active bool) error {
	m, err := d.member(ctx, c, id)
	if err != nil {
		return err
	}
	env, uid := envelope(c), m.User.ID
	switch s := m.User.Status; {
	case !active && (s == domain.StatusInvited || s == domain.StatusActive):
		_, err = d.commands.DeactivateUser.Handle(ctx, env, domain.DeactivateUser{Actor: actor(c), User: uid})
	case active && s == domain.StatusInactive:
		_, err = d.commands.ReactivateUser.Handle(ctx, env, domain.ReactivateUser{Actor: actor(c), User: uid})
	case active && s == domain.StatusBlocked:
		err = domain.NewError(domain.CodeInvalidTransition, "the user was blocked in Roster; only an admin there unblocks them")
	}
	return err
}

// DeleteUser does what the tenant's scim_delete says: deactivate (the
// default: history and seat rules stay) or delete for good (erasure).
func (d *Directory) DeleteUser(ctx context.Context, c scim.Connection, id string) error {
	m, err := d.member(ctx, c, id)
	if err != nil {
		return err
	}
	if m.Policy.ScimDelete == domain.ScimDeleteDelete {
		_, err = d.commands.DeleteUser.Handle(ctx, envelope(c), domain.DeleteUser{Actor: actor(c), User: m.User.ID, Reason: reasonDeleted})
		return err
	}
	if s := m.User.Status; s == domain.StatusInvited || s == domain.StatusActive {
		env := envelope(c)
		env.Reason = reasonDeleted
		_, err = d.commands.DeactivateUser.Handle(ctx, env, domain.DeactivateUser{Actor: actor(c), User: m.User.ID})
	}
	return err
}
