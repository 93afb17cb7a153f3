package console

import (
	"net/http"
	"net/url"
	"strings"
)

type teamDoc struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Leader  *string  `json:"leader"`
	Members []string `json:"members"`
}

type teamsView struct {
	Tenant string
	Teams  []teamDoc
	Users  []userDoc
	Names  map[string]string
	Error  *problem
	Flash  string
}

// teamsPage lists the teams with their leaders and members, and the forms
// that change them (the API decides who may).
func (c *Console) teamsPage(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	view, ok := c.teamsView(w, s)
	if !ok {
		return
	}
	view.Flash = r.URL.Query().Get("done")
	c.render(w, http.StatusOK, "teams", view)
}

func (c *Console) teamsView(w http.ResponseWriter, s signedIn) (teamsView, bool) {
	view := teamsView{Tenant: s.Tenant, Names: map[string]string{}}
	var teams struct {
		Items []teamDoc `json:"items"`
	}
	var active userPage
	if !s.get(w, "/teams", nil, &teams) || !s.get(w, "/users", url.Values{"status": {"active"}, "limit": {"500"}}, &active) {
		return view, false
	}
	view.Teams, view.Users = teams.Items, active.Items
	for _, u := range active.Items {
		view.Names[u.ID] = u.Name
	}
	return view, true
}

// changeTeam carries out one of the teams page's forms: define a team, add
// or remove a member, set the leader.
func (c *Console) changeTeam(w http.ResponseWriter, r *http.Request) {
	s, ok := c.formOf(w, r, 64<<10)
	if !ok {
		return
	}
	f := r.PostForm
	team := url.PathEscape(strings.TrimSpace(f.Get("team")))
	var got answer
	switch f.Get("op") {
	case "define":
		got = c.api.call(r, http.MethodPut, s.path("/teams/"+team), nil, map[string]any{"name": f.Get("name")}, s.token)
	case "join":
		got = c.api.call(r, http.MethodPut, s.path("/teams/"+team+"/members/"+url.PathEscape(f.Get("user"))), nil, nil, s.token)
	case "leave":
		got = c.api.call(r, http.MethodDelete, s.path("/teams/"+team+"/members/"+url.PathEscape(f.Get("user"))), nil, nil, s.token)
	case "leader":
		var leader any // null: no leader
		if u := f.Get("user"); u != "" {
			leader = u
		}
		got = c.api.call(r, http.MethodPut, s.path("/teams/"+team+"/leader"), nil, map[string]any{"user": leader}, s.token)
	default:
		c.render(w, http.StatusBadRequest, "error", errorView{Message: "No such change."})
		return
	}
	c.afterChange(w, r, s, got, "/console/"+s.Tenant+"/teams", func(p *problem) {
		view, ok := c.teamsView(w, s)
		if ok {
			view.Error = p
			c.render(w, formAgain, "teams", view)
		}
	})
}

// afterChange answers a form's API call: on success back to the page
// (waiting for what was stored), on a refusal the page again with it.
func (c *Console) afterChange(w http.ResponseWriter, r *http.Request, s signedIn, got answer, back string, refused func(*problem)) {
	if !got.ok() {
		p := got.problemOf()
		if p.Status == http.StatusUnauthorized {
			toLogin(w, r, s.Tenant, "ended")
			return
		}
		refused(&p)
		return
	}
	var done struct {
		Position string `json:"position"`
	}
	_ = got.decode(&done)
	redirect(w, r, withDone(back, "Done.", done.Position))
}

type workItem struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"`
	Assignee *string `json:"assignee"`
}

type workView struct {
	Tenant, Assignee string
	Items            []workItem
	Users            []userDoc
	Names            map[string]string
	Next             string
	Error            *problem
	Flash            string
}

// workPage lists work items, by assignee, with the bulk reassignment form.
func (c *Console) workPage(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	view, ok := c.workView(w, s, r.URL.Query())
	if !ok {
		return
	}
	c.render(w, http.StatusOK, "work", view)
}

func (c *Console) workView(w http.ResponseWriter, s signedIn, in url.Values) (workView, bool) {
	view := workView{Tenant: s.Tenant, Assignee: in.Get("assignee"), Names: map[string]string{}, Flash: in.Get("done")}
	q := url.Values{"limit": {"200"}}
	if view.Assignee != "" {
		q.Set("assignee", view.Assignee)
	}
	if cursor := in.Get("cursor"); cursor != "" {
		q.Set("cursor", cursor)
	}
	var work struct {
		Items      []workItem `json:"items"`
		NextCursor string     `json:"next_cursor"`
	}
	var assignable userPage
	if !s.get(w, "/work", q, &work) || !s.get(w, "/users", url.Values{"assignable": {"true"}, "limit": {"500"}}, &assignable) {
		return view, false
	}
	view.Items, view.Users = work.Items, assignable.Items
	for _, u := range assignable.Items {
		view.Names[u.ID] = u.Name
	}
	if work.NextCursor != "" {
		next := url.Values{"cursor": {work.NextCursor}}
		if view.Assignee != "" {
			next.Set("assignee", view.Assignee)
		}
		view.Next = "?" + next.Encode()
	}
	return view, true
}

// reassign hands the selected items to one user (or nobody), with one
// atomic bulk of transfers: one per current assignee, all or nothing.
func (c *Console) reassign(w http.ResponseWriter, r *http.Request) {
	s, ok := c.formOf(w, r, 256<<10)
	if !ok {
		return
	}
	to := r.PostForm.Get("to")
	byAssignee := map[string][]string{}
	var order []string
	for _, pair := range r.PostForm["item"] {
		item, from, _ := strings.Cut(pair, "@") // "item@assignee": ids hold no "@"
		if _, seen := byAssignee[from]; !seen {
			order = append(order, from)
		}
		byAssignee[from] = append(byAssignee[from], item)
	}
	var actions []map[string]any
	for _, from := range order {
		if from == "" {
			continue // unassigned items: a transfer needs whom they leave; assign them one by one
		}
		actions = append(actions, map[string]any{"action": "transfer", "from": from, "to": to, "items": byAssignee[from]})
	}
	if len(actions) == 0 || to == "" {
		view, ok := c.workView(w, s, url.Values{})
		if ok {
			view.Error = &problem{Status: http.StatusBadRequest, Code: "invalid", Detail: "select assigned items and whom to hand them to"}
			c.render(w, formAgain, "work", view)
		}
		return
	}
	got := c.api.call(r, http.MethodPost, s.path("/bulk"), nil, map[string]any{"atomic": true, "actions": actions}, s.token)
	c.afterChange(w, r, s, got, "/console/"+s.Tenant+"/work", func(p *problem) {
		view, ok := c.workView(w, s, url.Values{})
		if ok {
			view.Error = p
			c.render(w, formAgain, "work", view)
		}
	})
}
