package console

import (
	"maps"
	"net/http"
	"net/url"
	"time"
)

// auditEntry is API.md's AuditEntry: of the audit page, and of a user's
// timeline (their history).
type auditEntry struct {
	Position string    `json:"position"`
	At       time.Time `json:"at"`
	Action   string    `json:"action"`
	Actor    struct {
		ID   *string `json:"id"`
		Name string  `json:"name"`
	} `json:"actor"`
	Target struct {
		ID   *string `json:"id"`
		Name string  `json:"name"`
	} `json:"target"`
	Reason string `json:"reason"`
}

type auditView struct {
	Tenant                          string
	Actor, Target, Action, From, To string
	Entries                         []auditEntry
	Next, CSV                       string
}

// auditFilters are the audit page's filters, as the API takes them.
var auditFilters = []string{"actor", "target", "action", "from", "to"}

// auditPage lists the tenant's audit trail, filtered, with its CSV.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	in := r.URL.Query()
	q := url.Values{}
	for _, f := range auditFilters {
		if v := in.Get(f); v != "" {
			q.Set(f, v)
		}
	}
	view := auditView{Tenant: s.Tenant, Actor: in.Get("actor"), Target: in.Get("target"), Action: in.Get("action"),
		From: in.Get("from"), To: in.Get("to"), CSV: "audit.csv?" + q.Encode()}
	page := maps.Clone(q)
	page.Set("limit", "100")
	if cursor := in.Get("cursor"); cursor != "" {
		page.Set("cursor", cursor)
	}
	var trail struct {
		Items      []auditEntry `json:"items"`
		NextCursor string       `json:"next_cursor"`
	}
	if !s.get(w, "/audit", page, &trail) {
		return
	}
	view.Entries = trail.Items
	if trail.NextCursor != "" {
		next := maps.Clone(q)
		next.Set("cursor", trail.NextCursor)
		view.Next = "?" + next.Encode()
	}
	c.render(w, http.StatusOK, "audit", view)
}

// auditCSV streams the filtered trail as the API's CSV, as a download.
func (c *Console) auditCSV(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	q := url.Values{"format": {"csv"}}
	for _, f := range auditFilters {
		if v := r.URL.Query().Get(f); v != "" {
			q.Set(f, v)
		}
	}
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+s.Tenant+`.csv"`)
	c.api.stream(w, r, s.path("/audit"), q, s.token)
}
