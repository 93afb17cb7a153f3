package scim

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"

	"github.com/rosterhq/roster/domain"
)

// users serves /Users on the Directory, for the connection a request
// authenticated as.
type users struct {
	dir Directory
	log *slog.Logger
}

var _ scim.ResourceHandler = users{}

func (h users) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	u, err := h.dir.CreateUser(r.Context(), connectionOf(r), userInput(attrs))
	return h.reply(r, u, err)
}

func (h users) Get(r *http.Request, id string) (scim.Resource, error) {
	u, err := h.dir.User(r.Context(), connectionOf(r), id)
	return h.reply(r, u, err)
}

func (h users) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	u, err := h.dir.ReplaceUser(r.Context(), connectionOf(r), id, userInput(attrs))
	return h.reply(r, u, err)
}

func (h users) Delete(r *http.Request, id string) error {
	if err := h.dir.DeleteUser(r.Context(), connectionOf(r), id); err != nil {
		return failure(h.log, r, err)
	}
	return nil
}

// Patch applies ops as one UserChanges and answers 200 with the user. A
// PATCH that changes nothing Roster keeps (only ignored attributes) reads
// the user instead, so that it stores nothing.
func (h users) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	ch, err := userChanges(ops)
	if err != nil {
		return scim.Resource{}, err
	}
	var u User
	if ch == (UserChanges{}) {
		u, err = h.dir.User(r.Context(), connectionOf(r), id)
	} else {
		u, err = h.dir.ChangeUser(r.Context(), connectionOf(r), id, ch)
	}
	return h.reply(r, u, err)
}

// GetAll lists the users the filter selects (userFilter), one page.
func (h users) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	f, simple := simpleUserFilter(r)
	var never bool
	if !simple {
		var err error
		if f, never, err = userFilter(filterOf(params)); err != nil {
			return scim.Page{}, err
		}
	}
	return listPage(h.log, r, never, func() ([]User, int, error) {
		return h.dir.Users(r.Context(), connectionOf(r), f, Page{StartIndex: params.StartIndex, Count: params.Count})
	}, userResource)
}

func (h users) reply(r *http.Request, u User, err error) (scim.Resource, error) {
	return resourceOf(h.log, r, u, err, userResource)
}

// userInput maps the attributes of a POST or PUT, as the library validated
// them (canonical names, booleans normalised), to a UserInput. Email is the
// work e-mail, else the primary, else the first; Role the primary role's
// value, else the first's. DisplayName falls back on name.formatted.
func userInput(attrs scim.ResourceAttributes) UserInput {
	in := UserInput{
		UserName:    text(attrs["userName"]),
		ExternalID:  text(attrs["externalId"]),
		DisplayName: text(attrs["displayName"]),
		Password:    text(attrs["password"]),
		Email:       text(pick(attrs["emails"], isWork, isPrimary)["value"]),
		Role:        domain.Role(text(pick(attrs["roles"], isPrimary)["value"])),
	}
	if name, ok := attrs["name"].(map[string]any); ok {
		in.GivenName, in.FamilyName = text(name["givenName"]), text(name["familyName"])
		if in.DisplayName == "" {
			in.DisplayName = text(name["formatted"])
		}
	}
	if active, ok := attrs["active"].(bool); ok {
		in.Active = &active
	}
	return in
}

// userResource is u as SCIM shows them. It never holds a password.
func userResource(u User) scim.Resource {
	attrs := scim.ResourceAttributes{
		"userName": u.UserName,
		"active":   u.Active,
		"groups":   groupRefs(u.Groups),
	}
	set(attrs, "displayName", u.DisplayName)
	name := map[string]any{}
	set(name, "givenName", u.GivenName)
	set(name, "familyName", u.FamilyName)
	set(name, "formatted", u.DisplayName)
	if len(name) > 0 {
		attrs["name"] = name
	}
	if u.Email != "" {
		attrs["emails"] = []any{map[string]any{"value": u.Email, "type": "work", "primary": true}}
	}
	if u.Role != "" {
		attrs["roles"] = []any{map[string]any{"value": string(u.Role), "primary": true}}
	}
	return resource(u.ID, u.ExternalID, attrs, u.Created, u.Modified, u.Version)
}

func groupRefs(refs []GroupRef) []any {
	out := make([]any, 0, len(refs))
	for _, g := range refs {
		out = append(out, map[string]any{"value": g.ID, "display": g.DisplayName})
	}
	return out
}

// resource assembles what the library renders: it adds id, externalId,
// schemas and meta (with the location) itself. The version is a weak ETag,
// W/"<version>", which the library also sends as the ETag header.
func resource(id, externalID string, attrs scim.ResourceAttributes, created, modified time.Time, version int64) scim.Resource {
	res := scim.Resource{ID: id, Attributes: attrs, Meta: scim.Meta{Version: `W/"` + strconv.FormatInt(version, 10) + `"`}}
	if externalID != "" {
		res.ExternalID = optional.NewString(externalID)
	}
	if !created.IsZero() {
		res.Meta.Created = &created
	}
	if !modified.IsZero() {
		res.Meta.LastModified = &modified
	}
	return res
}

// pick returns the value of a multi-valued attribute (a list of complex
// values, or one) that first passes the first of prefer, else the second,
// ..., else the first value; nil for none.
func pick(v any, prefer ...func(map[string]any) bool) map[string]any {
	var values []map[string]any
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				values = append(values, m)
			}
		}
	case map[string]any:
		values = append(values, v)
	}
	for _, p := range prefer {
		for _, m := range values {
			if p(m) {
				return m
			}
		}
	}
	if len(values) == 0 {
		return nil
	}
	return values[0]
}

func isWork(m map[string]any) bool { return strings.EqualFold(text(m["type"]), "work") }

func isPrimary(m map[string]any) bool { return m["primary"] == true }

// text is v if it is a string, "" otherwise.
func text(v any) string {
	s, _ := v.(string)
	return s
}

// set sets m[k] to a non-empty s.
func set(m map[string]any, k, s string) {
	if s != "" {
		m[k] = s
	}
}
