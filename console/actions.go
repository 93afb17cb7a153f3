package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
)

// action is one thing the ⋯ menu offers on a user: the API call that does
// it, and how the console names it.
type action struct {
	Name, Label, Method, Path string
}

// actions are the ⋯ menu's, in its order.
var actions = []action{
	{"activate", "Activate", http.MethodPost, "/activate"},
	{"deactivate", "Deactivate", http.MethodPost, "/deactivate"},
	{"reactivate", "Reactivate", http.MethodPost, "/reactivate"},
	{"block", "Block", http.MethodPost, "/block"},
	{"unblock", "Unblock", http.MethodPost, "/unblock"},
	{"revoke-sessions", "Sign out everywhere", http.MethodPost, "/revoke-sessions"},
	{"change-role", "Change role", http.MethodPut, "/role"},
	{"delete", "Delete", http.MethodDelete, ""},
}

func actionNamed(name string) (action, bool) {
	for _, a := range actions {
		if a.Name == name {
			return a, true
		}
	}
	return action{}, false
}

// consequence is API.md's Consequence.
type consequence struct {
	Kind  string   `json:"kind"`
	User  string   `json:"user"`
	From  *string  `json:"from"`
	To    *string  `json:"to"`
	Count *int     `json:"count"`
	Items []string `json:"items"`
	Team  string   `json:"team"`
}

// Text says the consequence in the words an admin confirms an action in,
// naming the users it knows the names of.
func (c consequence) Text(names map[string]string) string {
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	who := func(id *string) string {
		if id == nil {
			return "nobody"
		}
		if c.Kind == "work_moved" {
			return name(*id)
		}
		return *id
	}
	c.User = name(c.User)
	switch c.Kind {
	case "status_changed":
		return fmt.Sprintf("%s goes from %s to %s.", c.User, who(c.From), who(c.To))
	case "role_changed":
		return fmt.Sprintf("%s's role goes from %s to %s.", c.User, who(c.From), who(c.To))
	case "sessions_revoked":
		n := 0
		if c.Count != nil {
			n = *c.Count
		}
		if n == 0 {
			return fmt.Sprintf("%s has no live session to end; any they open later is refused.", c.User)
		}
		return fmt.Sprintf("%s is signed out of %d live session%s.", c.User, n, plural(n))
	case "seat_freed":
		return "One licence seat is freed."
	case "seat_taken":
		return "One licence seat is taken."
	case "work_moved":
		return fmt.Sprintf("%d work item%s (%s) handed from %s to %s.", len(c.Items), plural(len(c.Items)), strings.Join(c.Items, ", "), who(c.From), who(c.To))
	case "team_left":
		return fmt.Sprintf("%s leaves team %s.", c.User, c.Team)
	case "team_leadership_lost":
		return fmt.Sprintf("%s no longer leads team %s.", c.User, c.Team)
	case "email_blocklisted":
		return fmt.Sprintf("%s's e-mail is blocklisted: it cannot be invited or buy again.", c.User)
	case "personal_data_erased":
		return fmt.Sprintf("%s's e-mail and name are erased; history will show \"Deleted user\".", c.User)
	}
	return c.Kind
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// nextStep says what an admin can do about a refusal.
var nextStep = map[string]string{
	"sole_owner":        "Make another active user an owner first, then try again.",
	"seat_limit":        "Free a seat (deactivate someone) or buy more seats in Settings, then try again.",
	"team_leader":       "Assign another leader to the user's teams first, then try again.",
	"higher_role":       "Ask someone of at least the user's role to do this.",
	"forbidden":         "Your role may not do this; ask an administrator.",
	"deletion_disabled": "This organisation's policy keeps users: deactivate instead.",
	"version_mismatch":  "The user changed meanwhile: reload the page and look again.",
	"invalid":           "Check the form and try again.",
}

// preview is a dry run's answer: what the action would do, or the refusal.
type preview struct {
	Changed      bool          `json:"changed"`
	Consequences []consequence `json:"consequences"`
	Refusal      *problem
}

// call runs act on user (dry or not) with the form's fields.
func (c *Console) call(s signedIn, a action, user string, form url.Values, dry bool) answer {
	body := map[string]any{}
	if reason := strings.TrimSpace(form.Get("reason")); reason != "" {
		body["reason"] = reason
	}
	switch a.Name {
	case "deactivate":
		if h := form.Get("handoff_to"); h != "" {
			body["handoff_to"] = h
		}
		if form.Get("allow_reactivation_on_purchase") == "on" {
			body["allow_reactivation_on_purchase"] = true
		}
	case "change-role":
		body = map[string]any{"role": form.Get("role")}
	}
	var q url.Values
	if dry {
		q = url.Values{"dry_run": {"true"}}
	}
	return c.api.call(s.r, a.Method, s.path("/users/"+url.PathEscape(user)+a.Path), q, body, s.token)
}

// previewOf runs the dry run.
func (c *Console) previewOf(s signedIn, a action, user string, form url.Values) preview {
	got := c.call(s, a, user, form, true)
	var p preview
	if !got.ok() {
		refusal := got.problemOf()
		p.Refusal = &refusal
		return p
	}
	_ = got.decode(&p)
	return p
}

type menuView struct {
	Tenant, User string
	Actions      []action
}

// userMenu is the ⋯ menu of a user: the actions the signed-in user may
// take on them, as the API's previews say — those it would carry out or
// refuse for a reason of the tenant's policy (shown in the dialog), never
// those it forbids to the caller's role or that would change nothing.
func (c *Console) userMenu(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	user := chi.URLParam(r, "user")
	view := menuView{Tenant: s.Tenant, User: user}
	var u userDoc
	if !s.get(w, "/users/"+url.PathEscape(user), nil, &u) {
		return
	}
	for _, a := range actions {
		form := url.Values{"role": {u.Role}}
		p := c.previewOf(s, a, user, form)
		switch {
		case p.Refusal != nil && p.Refusal.Status == http.StatusUnauthorized:
			toLogin(w, r, s.Tenant, "ended")
			return
		case a.Name == "change-role" && p.Refusal == nil:
			view.Actions = append(view.Actions, a) // a no-op with the current role: allowed to change it
		case p.Refusal == nil && p.Changed, p.Refusal != nil && offeredDespite(p.Refusal.Code):
			view.Actions = append(view.Actions, a)
		}
	}
	c.render(w, http.StatusOK, "menu", view)
}

// offeredDespite lists the refusals of the tenant's policy that the dialog
// explains rather than hides: the admin may do this kind of thing, the
// tenant's state stands in the way.
func offeredDespite(code string) bool {
	switch code {
	case "sole_owner", "seat_limit", "team_leader":
		return true
	}
	return false
}

type confirmView struct {
	Tenant   string
	User     userDoc
	Action   action
	Preview  preview
	Form     url.Values
	Next     string
	Handoffs []userDoc
	Roles    []string
	Error    *problem
	// PurchaseOption is shown when the policy lets a deactivated customer
	// come back with a purchase.
	PurchaseOption bool
	NextSteps      map[string]string
	// Names are the users the consequences may name, by id.
	Names map[string]string
}

// confirmPage is the confirmation dialog of an action on a user: the
// preview of what it would do (or the refusal, with what to do next), and
// the fields the action takes.
func (c *Console) confirmPage(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	c.confirm(w, s, chi.URLParam(r, "user"), chi.URLParam(r, "action"), r.URL.Query(), nil, http.StatusOK)
}

func (c *Console) confirm(w http.ResponseWriter, s signedIn, user, name string, form url.Values, failed *problem, status int) {
	a, known := actionNamed(name)
	if !known {
		c.render(w, http.StatusNotFound, "error", errorView{Message: "No such action."})
		return
	}
	view := confirmView{Tenant: s.Tenant, Action: a, Form: form, Error: failed, Roles: []string{"owner", "admin", "manager", "member"},
		NextSteps: nextStep}
	if !s.get(w, "/users/"+url.PathEscape(user), nil, &view.User) {
		return
	}
	if name == "change-role" && form.Get("role") == "" {
		form.Set("role", view.User.Role)
	}
	view.Preview = c.previewOf(s, a, user, form)
	view.Names = map[string]string{view.User.ID: view.User.Name}
	if view.Preview.Refusal != nil && view.Preview.Refusal.Status == http.StatusUnauthorized {
		toLogin(w, s.r, s.Tenant, "ended")
		return
	}
	if name == "deactivate" {
		var tenant tenantDoc
		var assignable userPage
		if !s.get(w, "", nil, &tenant) || !s.get(w, "/users", url.Values{"assignable": {"true"}, "limit": {"100"}}, &assignable) {
			return
		}
		for _, u := range assignable.Items {
			view.Names[u.ID] = u.Name
			if u.ID != user {
				view.Handoffs = append(view.Handoffs, u)
			}
		}
		view.PurchaseOption = tenant.Policy["customer_reactivation_on_purchase"] == true && view.User.Kind == "customer"
	}
	page := "confirm"
	if s.r.Header.Get("HX-Request") == "true" {
		page = "confirm-partial" // into the page's dialog
	}
	c.render(w, status, page, view)
}

// act carries the confirmed action out through the API; a refusal shows
// the dialog again with the problem, a success returns to the list.
func (c *Console) act(w http.ResponseWriter, r *http.Request) {
	s, ok := c.formOf(w, r, 64<<10)
	if !ok {
		return
	}
	user, name := chi.URLParam(r, "user"), chi.URLParam(r, "action")
	a, known := actionNamed(name)
	if !known {
		c.render(w, http.StatusNotFound, "error", errorView{Message: "No such action."})
		return
	}
	if name == "delete" {
		var u userDoc
		if !s.get(w, "/users/"+url.PathEscape(user), nil, &u) {
			return
		}
		if strings.TrimSpace(r.PostForm.Get("confirm_name")) != u.Name {
			c.confirm(w, s, user, name, r.PostForm, &problem{Status: http.StatusBadRequest, Code: "invalid",
				Detail: "type the user's name exactly to confirm the deletion"}, formAgain)
			return
		}
	}
	got := c.call(s, a, user, r.PostForm, false)
	if !got.ok() {
		p := got.problemOf()
		if p.Status == http.StatusUnauthorized {
			toLogin(w, r, s.Tenant, "ended")
			return
		}
		c.confirm(w, s, user, name, r.PostForm, &p, formAgain)
		return
	}
	var done struct {
		Position string `json:"position"`
	}
	_ = got.decode(&done)
	back := r.PostForm.Get("next")
	if !strings.HasPrefix(back, "/console/"+s.Tenant+"/") {
		back = "/console/" + s.Tenant + "/users"
	}
	redirect(w, r, withDone(back, a.Label+" "+user+": done.", done.Position))
}

// withDone adds the flash message and the position to wait for to a page
// of the console.
func withDone(target, message, position string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	q.Set("done", message)
	if position != "" {
		q.Set("min_position", position)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redirect sends the browser on: a plain 303, or HX-Redirect for htmx.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
