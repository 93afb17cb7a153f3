package console

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// userDoc is API.md's User.
type userDoc struct {
	ID           string     `json:"id"`
	Email        *string    `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	Kind         string     `json:"kind"`
	Status       string     `json:"status"`
	Teams        []string   `json:"teams"`
	Leads        []string   `json:"leads"`
	CanLogin     bool       `json:"can_login"`
	Assignable   bool       `json:"assignable"`
	ConsumesSeat bool       `json:"consumes_seat"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	LastLoginAt  *time.Time `json:"last_login_at"`
	Version      int64      `json:"version"`
}

// tenantDoc is API.md's Tenant.
type tenantDoc struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Preset string         `json:"preset"`
	Policy map[string]any `json:"policy"`
	Seats  struct {
		Purchased int `json:"purchased"`
		Used      int `json:"used"`
		Available int `json:"available"`
	} `json:"seats"`
}

// userPage is a page of the users list.
type userPage struct {
	Items      []userDoc `json:"items"`
	NextCursor string    `json:"next_cursor"`
	// Counts is, with counts=status, how many users of each status match
	// the list's other filters.
	Counts map[string]int `json:"counts"`
}

// tabs are the Users page's tabs: a status each.
var tabs = []string{"active", "inactive", "blocked", "invited"}

// pageSize is how many users a page of the console lists.
const pageSize = 50

type tab struct {
	Status, URL string
	Count       int
	Current     bool
}

type teamOption struct {
	ID, Name string
	Selected bool
}

type usersView struct {
	Tenant              tenantDoc
	Tabs                []tab
	Tab                 string
	Query, Role, Kind   string
	Teams               []teamOption
	Users               []userDoc
	Next, Filtered      string
	Roles, Kinds        []string
	SeatsOver, Faded    bool
	Flash               string
	SeatsUsed, SeatsMax int
}

// usersPage lists the tenant's users: a tab per status with its count,
// search and filters kept in the URL, the seat meter, a page of users.
func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	in := r.URL.Query()
	view := usersView{Tab: in.Get("tab"), Query: in.Get("q"), Role: in.Get("role"), Kind: in.Get("kind"),
		Roles: []string{"owner", "admin", "manager", "member"}, Kinds: []string{"member", "customer"}, Flash: in.Get("done")}
	if !slices.Contains(tabs, view.Tab) {
		view.Tab = "active"
	}
	filters := url.Values{}
	for _, f := range []string{"q", "role", "kind", "team"} {
		if v := in.Get(f); v != "" {
			filters.Set(f, v)
		}
	}
	list := maps.Clone(filters)
	list.Set("status", view.Tab)
	list.Set("limit", strconv.Itoa(pageSize))
	list.Set("counts", "status") // every tab's count, from the same reply
	if cursor := in.Get("cursor"); cursor != "" {
		list.Set("cursor", cursor)
	}
	var page userPage
	var teams struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	if !s.getAll(w, read{"", nil, &view.Tenant}, read{"/users", list, &page}, read{"/teams", nil, &teams}) {
		return
	}
	view.SeatsUsed, view.SeatsMax = view.Tenant.Seats.Used, view.Tenant.Seats.Purchased
	view.SeatsOver = view.SeatsUsed > view.SeatsMax
	view.Users = page.Items
	for _, status := range tabs {
		link := maps.Clone(filters)
		link.Set("tab", status)
		view.Tabs = append(view.Tabs, tab{Status: status, Count: page.Counts[status], Current: status == view.Tab, URL: "?" + link.Encode()})
	}
	for _, t := range teams.Items {
		view.Teams = append(view.Teams, teamOption{ID: t.ID, Name: t.Name, Selected: t.ID == in.Get("team")})
	}
	if page.NextCursor != "" {
		next := maps.Clone(filters)
		next.Set("tab", view.Tab)
		next.Set("cursor", page.NextCursor)
		view.Next = "?" + next.Encode()
	}
	c.render(w, http.StatusOK, "users", view)
}

// read is one of the API reads of a page: path and query as get takes
// them, and what the reply decodes into.
type read struct {
	path  string
	query url.Values
	into  any
}

// getAll makes reads at once — the API answers each in its own goroutine,
// so a page waits for its slowest read, not for their sum — then, in
// order, decodes each reply as get does: it reports false, having
// answered, at the first refusal (the one get would have met first).
func (s signedIn) getAll(w http.ResponseWriter, reads ...read) bool {
	answers := make([]answer, len(reads))
	var wg sync.WaitGroup
	for i, r := range reads {
		wg.Go(func() { answers[i] = s.c.api.call(s.r, http.MethodGet, s.path(r.path), r.query, nil, s.token) })
	}
	wg.Wait()
	for i, got := range answers {
		if !s.answered(w, got, reads[i].into) {
			return false
		}
	}
	return true
}

type userView struct {
	Tenant   string
	User     userDoc
	AsOf     string
	Past     *userDoc
	AsOfErr  string
	Work     []struct{ ID, Kind string }
	Timeline []auditEntry
	Sessions string
}

// userPage shows one user: status, capabilities, role, teams, work, live
// sessions, the timeline of their history, and the user as of an instant.
func (c *Console) userPage(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	user := chi.URLParam(r, "user")
	view := userView{Tenant: s.Tenant}
	if !s.get(w, "/users/"+url.PathEscape(user), nil, &view.User) {
		return
	}
	var history struct {
		Items []auditEntry `json:"items"`
	}
	if !s.get(w, "/users/"+url.PathEscape(user)+"/history", nil, &history) {
		return
	}
	view.Timeline = history.Items
	var work struct {
		Items []struct{ ID, Kind string } `json:"items"`
	}
	if !s.get(w, "/work", url.Values{"assignee": {user}, "limit": {"500"}}, &work) {
		return
	}
	view.Work = work.Items
	view.Sessions = c.liveSessions(s, user)
	if asOf := r.URL.Query().Get("as_of"); asOf != "" {
		view.AsOf = asOf
		for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} { // a datetime-local's, in UTC
			if t, err := time.ParseInLocation(layout, asOf, time.UTC); err == nil {
				asOf = t.Format(time.RFC3339)
				break
			}
		}
		got := c.api.call(r, http.MethodGet, s.path("/users/"+url.PathEscape(user)), url.Values{"as_of": {asOf}}, nil, s.token)
		var past userDoc
		if got.ok() && got.decode(&past) == nil {
			view.Past = &past
		} else {
			view.AsOfErr = got.problemOf().Detail
		}
	}
	c.render(w, http.StatusOK, "user", view)
}

// liveSessions counts the user's live sessions as the API tells it: the
// preview of signing them out everywhere says how many would end. Someone
// who may not do that sees no count.
func (c *Console) liveSessions(s signedIn, user string) string {
	got := c.api.call(s.r, http.MethodPost, s.path("/users/"+url.PathEscape(user)+"/revoke-sessions"), url.Values{"dry_run": {"true"}}, map[string]any{}, s.token)
	var preview struct {
		Consequences []consequence `json:"consequences"`
	}
	if !got.ok() || got.decode(&preview) != nil {
		return "—"
	}
	for _, c := range preview.Consequences {
		if c.Kind == "sessions_revoked" && c.Count != nil {
			return strconv.Itoa(*c.Count)
		}
	}
	return "0"
}
