package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// bulkActions are the actions the bulk bar offers on the selected users.
var bulkActions = []string{"deactivate", "reactivate", "block", "unblock", "revoke-sessions"}

type bulkResult struct {
	Index        int           `json:"index"`
	Status       int           `json:"status"`
	Changed      *bool         `json:"changed"`
	Consequences []consequence `json:"consequences"`
	Problem      *problem      `json:"problem"`
	// User is the id the action named (the API's "user" is the User
	// document, Doc, absent on a refusal).
	User string   `json:"-"`
	Doc  *userDoc `json:"user"`
}

type bulkView struct {
	Tenant, Action string
	Users          []string
	Results        []bulkResult
	Error          *problem
	Changed        int
	// Done is set once the bulk was carried out (not previewed); Back is
	// the list to return to, waiting for what the bulk stored.
	Done bool
	Back string
	// Names are the users the consequences may name (none: ids are shown).
	Names map[string]string
}

// bulkForm reads the bulk bar's form (parsed): the action and the
// selected users.
func bulkForm(r *http.Request) (string, []string, error) {
	action, users := r.PostForm.Get("action"), r.PostForm["user"]
	if !slices.Contains(bulkActions, action) {
		return "", nil, fmt.Errorf("choose an action: %s", strings.Join(bulkActions, ", "))
	}
	if len(users) == 0 || len(users) > 1000 {
		return "", nil, fmt.Errorf("select 1 to 1,000 users")
	}
	return action, users, nil
}

// sendBulk runs the bulk through the API, dry or not; each user on its own.
func (c *Console) sendBulk(s signedIn, action string, users []string, dry bool) answer {
	list := make([]map[string]any, len(users))
	for i, u := range users {
		list[i] = map[string]any{"action": action, "user": u}
	}
	return c.api.call(s.r, http.MethodPost, s.path("/bulk"), nil, map[string]any{"atomic": false, "dry_run": dry, "actions": list}, s.token)
}

// bulkConfirm previews the bulk bar's action on the selected users.
func (c *Console) bulkConfirm(w http.ResponseWriter, r *http.Request) {
	c.runBulk(w, r, true)
}

// bulk carries it out, and shows what became of each user.
func (c *Console) bulk(w http.ResponseWriter, r *http.Request) {
	c.runBulk(w, r, false)
}

func (c *Console) runBulk(w http.ResponseWriter, r *http.Request, dry bool) {
	s, ok := c.formOf(w, r, 256<<10)
	if !ok {
		return
	}
	action, users, err := bulkForm(r)
	view := bulkView{Tenant: s.Tenant, Action: action, Users: users}
	if err != nil {
		view.Error = &problem{Status: http.StatusBadRequest, Code: "invalid", Detail: err.Error()}
		c.render(w, formAgain, "bulk", view)
		return
	}
	got := c.sendBulk(s, action, users, dry)
	if !got.ok() {
		p := got.problemOf()
		if p.Status == http.StatusUnauthorized {
			toLogin(w, r, s.Tenant, "ended")
			return
		}
		view.Error = &p
		c.render(w, formAgain, "bulk", view)
		return
	}
	var reply struct {
		Results  []bulkResult `json:"results"`
		Changed  int          `json:"changed"`
		Position string       `json:"position"`
	}
	if err := got.decode(&reply); err != nil {
		c.fail(w, r, err)
		return
	}
	for i := range reply.Results {
		if i < len(users) {
			reply.Results[i].User = users[i]
		}
	}
	view.Results, view.Changed, view.Done = reply.Results, reply.Changed, !dry
	view.Back = withDone("/console/"+s.Tenant+"/users", fmt.Sprintf("%s: %d of %d users changed.", action, reply.Changed, len(users)), reply.Position)
	c.render(w, http.StatusOK, "bulk", view)
}
