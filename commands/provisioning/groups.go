package provisioning

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/scim"
	"github.com/rosterhq/roster/domain"
)

// Groups are teams. A group's members are the team's; a member the
// connection's group_roles maps the group's name to a role gets that role
// when they join, if it ranks above theirs (never owner unless the mapping
// says so: the domain decides). Leaving a group changes no role.

// team returns the tenant's team id.
func (d *Directory) team(ctx context.Context, c scim.Connection, id string) (domain.TeamView, error) {
	teams, err := d.queries.Teams(ctx, c.Tenant)
	if err != nil {
		return domain.TeamView{}, err
	}
	if i := slices.IndexFunc(teams, func(t domain.TeamView) bool { return string(t.ID) == id }); i >= 0 {
		return teams[i], nil
	}
	return domain.TeamView{}, notFound("group")
}

// renderGroup is t as SCIM shows it, with each member's display name.
func (d *Directory) renderGroup(ctx context.Context, tenant domain.TenantID, t domain.TeamView) (scim.Group, error) {
	g := scim.Group{ID: string(t.ID), DisplayName: t.Name, Members: make([]scim.Member, 0, len(t.Members))}
	for _, id := range t.Members {
		m, found, err := d.queries.Member(ctx, tenant, id)
		if err != nil {
			return scim.Group{}, err
		}
		display := ""
		if found {
			p, err := d.queries.Profile(ctx, tenant, m.User, execution.Result{})
			if err != nil {
				return scim.Group{}, err
			}
			display = p.Name
		}
		g.Members = append(g.Members, scim.Member{ID: string(id), Display: display})
	}
	return g, nil
}

// CreateGroup defines a team of a fresh id and adds the members. Names are
// unique among groups (checkGroupName).
func (d *Directory) CreateGroup(ctx context.Context, c scim.Connection, in scim.GroupInput) (scim.Group, error) {
	id := newTeamID()
	if err := d.checkGroupName(ctx, c, in.DisplayName, id); err != nil {
		return scim.Group{}, err
	}
	if _, err := d.commands.DefineTeam.Handle(ctx, envelope(c), domain.DefineTeam{Actor: actor(c), Team: id, Name: in.DisplayName}); err != nil {
		return scim.Group{}, err
	}
	if err := d.join(ctx, c, id, in.DisplayName, in.Members); err != nil {
		return scim.Group{}, err
	}
	return d.Group(ctx, c, string(id))
}

// Group reads one group.
func (d *Directory) Group(ctx context.Context, c scim.Connection, id string) (scim.Group, error) {
	t, err := d.team(ctx, c, id)
	if err != nil {
		return scim.Group{}, err
	}
	return d.renderGroup(ctx, c.Tenant, t)
}

// Groups lists the groups f names (displayName, case aside; teams have no
// externalId, so a filter on one finds none), a page at a time.
func (d *Directory) Groups(ctx context.Context, c scim.Connection, f scim.GroupFilter, p scim.Page) ([]scim.Group, int, error) {
	teams, err := d.queries.Teams(ctx, c.Tenant)
	if err != nil {
		return nil, 0, err
	}
	teams = slices.DeleteFunc(teams, func(t domain.TeamView) bool {
		return f.ExternalID != nil || f.DisplayName != nil && !strings.EqualFold(t.Name, *f.DisplayName)
	})
	start := min(max(p.StartIndex, 1)-1, len(teams))
	page := teams[start:min(start+max(p.Count, 0), len(teams))]
	out := make([]scim.Group, 0, len(page))
	for _, t := range page {
		g, err := d.renderGroup(ctx, c.Tenant, t)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, len(teams), nil
}

// ReplaceGroup renames the group and makes its members those of in.
func (d *Directory) ReplaceGroup(ctx context.Context, c scim.Connection, id string, in scim.GroupInput) (scim.Group, error) {
	members := in.Members
	return d.ChangeGroup(ctx, c, id, scim.GroupChanges{DisplayName: &in.DisplayName, Replace: &members})
}

// ChangeGroup renames, replaces the membership (as the difference: who
// leaves, who joins), then adds and removes members.
func (d *Directory) ChangeGroup(ctx context.Context, c scim.Connection, id string, ch scim.GroupChanges) (scim.Group, error) {
	t, err := d.team(ctx, c, id)
	if err != nil {
		return scim.Group{}, err
	}
	if ch.DisplayName != nil && *ch.DisplayName != t.Name {
		// A rename keeps names unique as a create does: else the
		// provider's look-up by displayName would find two groups.
		if err := d.checkGroupName(ctx, c, *ch.DisplayName, t.ID); err != nil {
			return scim.Group{}, err
		}
		if _, err := d.commands.DefineTeam.Handle(ctx, envelope(c), domain.DefineTeam{Actor: actor(c), Team: t.ID, Name: *ch.DisplayName}); err != nil {
			return scim.Group{}, err
		}
		t.Name = *ch.DisplayName
	}
	add, remove := ch.Add, ch.Remove
	if ch.Replace != nil {
		for _, m := range t.Members {
			if !slices.Contains(*ch.Replace, string(m)) {
				remove = append(remove, string(m))
			}
		}
		add = append(slices.Clone(*ch.Replace), add...)
	}
	if err := d.leave(ctx, c, t.ID, remove); err != nil {
		return scim.Group{}, err
	}
	if err := d.join(ctx, c, t.ID, t.Name, add); err != nil {
		return scim.Group{}, err
	}
	return d.Group(ctx, c, id)
}

// DeleteGroup deletes the team (its members leave it first).
func (d *Directory) DeleteGroup(ctx context.Context, c scim.Connection, id string) error {
	t, err := d.team(ctx, c, id)
	if err != nil {
		return err
	}
	_, err = d.commands.DeleteTeam.Handle(ctx, envelope(c), domain.DeleteTeam{Actor: actor(c), Team: t.ID})
	return err
}

// checkGroupName refuses name when a group other than self has it, case
// aside: names are unique among groups, as identity providers match groups
// by them. The refusal names the field, which SCIM answers as uniqueness.
// (Checked before the command, not decided with it: two concurrent
// creates of one name may both pass.)
func (d *Directory) checkGroupName(ctx context.Context, c scim.Connection, name string, self domain.TeamID) error {
	teams, err := d.queries.Teams(ctx, c.Tenant)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(teams, func(t domain.TeamView) bool { return t.ID != self && strings.EqualFold(t.Name, name) }) {
		return &domain.Error{Code: domain.CodeInvalidTransition, Field: "displayName", Detail: "another group has this name"}
	}
	return nil
}

// join adds users to team (a member already there changes nothing) and
// raises each to the role the connection maps the group's name to.
func (d *Directory) join(ctx context.Context, c scim.Connection, team domain.TeamID, name string, users []string) error {
	role, err := d.mappedRole(ctx, c, name)
	if err != nil {
		return err
	}
	for _, id := range users {
		if _, err := d.commands.JoinTeam.Handle(ctx, envelope(c), domain.JoinTeam{Actor: actor(c), Team: team, User: domain.UserID(id)}); err != nil {
			return err
		}
		if role == "" {
			continue
		}
		m, err := d.member(ctx, c, id)
		if err != nil {
			return err
		}
		if !role.Outranks(m.User.Role) { // a mapping raises a role, never lowers one
			continue
		}
		if _, err := d.commands.ChangeRole.Handle(ctx, envelope(c), domain.ChangeRole{Actor: actor(c), User: domain.UserID(id), Role: role}); err != nil {
			return err
		}
	}
	return nil
}

func (d *Directory) leave(ctx context.Context, c scim.Connection, team domain.TeamID, users []string) error {
	for _, id := range users {
		if _, err := d.commands.LeaveTeam.Handle(ctx, envelope(c), domain.LeaveTeam{Actor: actor(c), Team: team, User: domain.UserID(id)}); err != nil {
			return err
		}
	}
	return nil
}

// mappedRole is the role the connection's group_roles gives members of the
// group named name ("" for none).
func (d *Directory) mappedRole(ctx context.Context, c scim.Connection, name string) (domain.Role, error) {
	conns, err := d.queries.Connections(ctx, c.Tenant)
	if err != nil {
		return "", err
	}
	for _, conn := range conns {
		if string(conn.ID) == c.ID {
			return conn.GroupRoles[name], nil
		}
	}
	return "", nil
}

// newTeamID returns a fresh team id for a group ("group-" and 12 hex digits).
func newTeamID() domain.TeamID {
	raw := make([]byte, 6)
	_, _ = rand.Read(raw) // crypto/rand.Read never returns an error
	return domain.TeamID("group-" + hex.EncodeToString(raw))
}
