package scim

import (
	"log/slog"
	"net/http"

	"github.com/elimity-com/scim"
)

// groups serves /Groups (Roster's teams) on the Directory, for the
// connection a request authenticated as.
type groups struct {
	dir Directory
	log *slog.Logger
}

var _ scim.ResourceHandler = groups{}

func (h groups) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	in, err := groupInput(attrs)
	if err != nil {
		return scim.Resource{}, err
	}
	g, err := h.dir.CreateGroup(r.Context(), connectionOf(r), in)
	return h.reply(r, g, err)
}

func (h groups) Get(r *http.Request, id string) (scim.Resource, error) {
	g, err := h.dir.Group(r.Context(), connectionOf(r), id)
	return h.reply(r, g, err)
}

func (h groups) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	in, err := groupInput(attrs)
	if err != nil {
		return scim.Resource{}, err
	}
	g, err := h.dir.ReplaceGroup(r.Context(), connectionOf(r), id, in)
	return h.reply(r, g, err)
}

func (h groups) Delete(r *http.Request, id string) error {
	if err := h.dir.DeleteGroup(r.Context(), connectionOf(r), id); err != nil {
		return failure(h.log, r, err)
	}
	return nil
}

// Patch applies ops as one GroupChanges and answers 204 No Content, which
// Entra and Okta expect: a resource without attributes is the library's
// sign for it. A PATCH that changes nothing Roster keeps reads the group,
// so that a missing one is still 404.
func (h groups) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	ch, err := groupChanges(ops)
	if err != nil {
		return scim.Resource{}, err
	}
	if ch.empty() {
		_, err = h.dir.Group(r.Context(), connectionOf(r), id)
	} else {
		_, err = h.dir.ChangeGroup(r.Context(), connectionOf(r), id, ch)
	}
	if err != nil {
		return scim.Resource{}, failure(h.log, r, err)
	}
	return scim.Resource{}, nil
}

// GetAll lists the groups the filter selects (groupFilter), one page.
func (h groups) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	f, never, err := groupFilter(filterOf(params))
	if err != nil {
		return scim.Page{}, err
	}
	return listPage(h.log, r, never, func() ([]Group, int, error) {
		return h.dir.Groups(r.Context(), connectionOf(r), f, Page{StartIndex: params.StartIndex, Count: params.Count})
	}, groupResource)
}

func (h groups) reply(r *http.Request, g Group, err error) (scim.Resource, error) {
	return resourceOf(h.log, r, g, err, groupResource)
}

// groupInput maps the attributes of a POST or PUT, as the library validated
// them, to a GroupInput; members are the values (user ids) of "members".
func groupInput(attrs scim.ResourceAttributes) (GroupInput, error) {
	members, err := memberIDs(attrs["members"])
	return GroupInput{DisplayName: text(attrs["displayName"]), ExternalID: text(attrs["externalId"]), Members: members}, err
}

// groupResource is g as SCIM shows it; members is always there, [] for
// none, unless the client excludes it (reply.go).
func groupResource(g Group) scim.Resource {
	members := make([]any, 0, len(g.Members))
	for _, m := range g.Members {
		member := map[string]any{"value": m.ID, "type": "User"}
		set(member, "display", m.Display)
		members = append(members, member)
	}
	attrs := scim.ResourceAttributes{"displayName": g.DisplayName, "members": members}
	return resource(g.ID, g.ExternalID, attrs, g.Created, g.Modified, g.Version)
}
