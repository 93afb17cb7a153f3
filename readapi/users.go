package readapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
)

// userDocument is a row of the users read model as API.md's User
// (documents.NewUser): the row's personal data is erased once it holds no
// e-mail.
func userDocument(u users.User) documents.User {
	view := domain.UserView{ID: u.ID, Role: u.Role, Kind: u.Kind, Status: u.Status, Teams: teamIDs(u.Teams), Leads: teamIDs(u.Leads),
		Version: u.Version, Capabilities: domain.Capabilities{CanLogin: u.CanLogin, Assignable: u.Assignable, ConsumesSeat: u.ConsumesSeat}}
	person := domain.PersonalData{Name: u.Name, Erased: u.Email == nil}
	if u.Email != nil {
		person.Email = *u.Email
	}
	if u.LastLoginAt != nil {
		view.LastLoginAt = *u.LastLoginAt
	}
	return documents.NewUser(u.Tenant, view, person, u.CreatedAt, u.UpdatedAt)
}

// inactiveUser is an item of the list of users away for inactive_days: the
// User, and the latest refusal automatic deactivation met for them, if
// any (absent otherwise) — why they are still active.
type inactiveUser struct {
	documents.User
	DeactivationRefused *deactivationRefusal `json:"deactivation_refused,omitempty"`
}

// deactivationRefusal is a users.Refusal as the list shows it.
type deactivationRefusal struct {
	Code   domain.Code `json:"code"`
	Detail string      `json:"detail"`
	At     time.Time   `json:"at"`
}

// teamIDs is the read model's team ids as the domain's.
func teamIDs(ids []string) []domain.TeamID {
	out := make([]domain.TeamID, len(ids))
	for i, id := range ids {
		out[i] = domain.TeamID(id)
	}
	return out
}

// getUser answers GET /v1/tenants/{tenant}/users/{user}.
func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("as_of") {
		a.getUserAsOf(w, r)
		return
	}
	a.read(w, r, []string{users.Table, tenants.Table}, func() (any, error) {
		u, found, err := users.Get(r.Context(), a.DB, domain.TenantID(chi.URLParam(r, "tenant")), domain.UserID(chi.URLParam(r, "user")))
		if err != nil || !found {
			return nil, orNotFound(err)
		}
		return userDocument(u), nil
	})
}

// listUsers answers GET /v1/tenants/{tenant}/users with every filter of
// API.md; with inactive_days, each item also shows the refusal automatic
// deactivation met for that user, if any; with counts=status, the reply
// also counts the users of every status that match the other filters.
func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, []string{users.Table, tenants.Table}, func() (any, error) {
		f, err := userFilter(r)
		if err != nil {
			return nil, err
		}
		byStatus, err := countsByStatusOf(r.URL.Query())
		if err != nil {
			return nil, err
		}
		f.Now = a.now()
		page, next, extra, err := listedUsers(r, a.DB, f, byStatus)
		if err != nil {
			return nil, err
		}
		if f.InactiveDays > 0 {
			items, err := a.inactiveUsers(r, f.Tenant, page)
			if err != nil {
				return nil, err
			}
			return listBody(items, usersCursor.encode(next), extra), nil
		}
		items := make([]documents.User, len(page))
		for i, u := range page {
			items[i] = userDocument(u)
		}
		return listBody(items, usersCursor.encode(next), extra), nil
	})
}

// listedUsers reads a page of f's users, the cursor of the next page and
// the list's extra fields: total and, when byStatus, counts — one grouped
// count then gives both.
func listedUsers(r *http.Request, db users.Querier, f users.Filter, byStatus bool) ([]users.User, string, map[string]any, error) {
	if !byStatus {
		page, next, total, err := users.List(r.Context(), db, f)
		return page, next, map[string]any{"total": total}, err
	}
	page, next, counts, err := users.ListCounted(r.Context(), db, f)
	if err != nil {
		return nil, "", nil, err
	}
	return page, next, map[string]any{"total": counts.Of(f.Status), "counts": statusCountsOf(counts)}, nil
}

// statusCounts is the list's counts=status: how many users of each status
// match every other filter of the request.
type statusCounts struct {
	Invited  int `json:"invited"`
	Active   int `json:"active"`
	Inactive int `json:"inactive"`
	Blocked  int `json:"blocked"`
	Deleted  int `json:"deleted"`
}

func statusCountsOf(c users.StatusCounts) statusCounts {
	return statusCounts{Invited: c[domain.StatusInvited], Active: c[domain.StatusActive], Inactive: c[domain.StatusInactive],
		Blocked: c[domain.StatusBlocked], Deleted: c[domain.StatusDeleted]}
}

// inactiveUsers renders a page of the list of users away for inactive_days,
// with their refusals.
func (a *API) inactiveUsers(r *http.Request, tenant domain.TenantID, page []users.User) ([]inactiveUser, error) {
	ids := make([]domain.UserID, len(page))
	for i, u := range page {
		ids[i] = u.ID
	}
	refusals, err := users.Refusals(r.Context(), a.DB, tenant, ids)
	if err != nil {
		return nil, err
	}
	items := make([]inactiveUser, len(page))
	for i, u := range page {
		items[i].User = userDocument(u)
		if refusal, ok := refusals[u.ID]; ok {
			items[i].DeactivationRefused = &deactivationRefusal{Code: refusal.Code, Detail: refusal.Detail, At: refusal.At.UTC()}
		}
	}
	return items, nil
}

func userFilter(r *http.Request) (users.Filter, error) {
	q := r.URL.Query()
	f := users.Filter{Tenant: domain.TenantID(chi.URLParam(r, "tenant")), Team: q.Get("team"), Query: q.Get("q")}
	var err error
	var status, role, kind string
	if f.After, err = usersCursor.after(q); err != nil {
		return f, err
	}
	if f.Limit, err = limitOf(q); err != nil {
		return f, err
	}
	if f.InactiveDays, err = inactiveDaysOf(q); err != nil {
		return f, err
	}

	if status, err = oneOf(q, "status", "invited", "active", "inactive", "blocked", "deleted"); err != nil {
		return f, err
	}
	if role, err = oneOf(q, "role", "owner", "admin", "manager", "member"); err != nil {
		return f, err
	}
	if kind, err = oneOf(q, "kind", "member", "customer"); err != nil {
		return f, err
	}
	f.Status, f.Role, f.Kind = domain.Status(status), domain.Role(role), domain.Kind(kind)
	if v := q.Get("assignable"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return f, invalid("assignable", "assignable must be true or false")
		}
		f.Assignable = &b
	}
	return f, nil
}

// listBody is a page of items with its cursor (absent on the last page) and
// any extra fields.
func listBody[T any](items []T, next string, extra map[string]any) map[string]any {
	body := map[string]any{"items": items}
	if next != "" {
		body["next_cursor"] = next
	}
	for k, v := range extra {
		body[k] = v
	}
	return body
}
