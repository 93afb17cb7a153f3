package console

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// knob is one policy knob as the settings form shows it.
type knob struct {
	Name, Kind string // kind: bool, number or one of Choices
	Bool       bool
	Value      string
	Choices    []string
}

// choices are the values of the knobs that take one of a few.
var choices = map[string][]string{
	"seat_limit":            {"enforce", "ignore"},
	"handoff_on_deactivate": {"keep", "team_leader", "unassigned"},
	"scim_delete":           {"deactivate", "delete"},
}

type settingsView struct {
	Tenant  tenantDoc
	Knobs   []knob
	Presets []string
	Error   *problem
	Flash   string
}

// presets are API.md's.
var presets = []string{"strict", "field-service", "analytics", "helpdesk", "work-management", "commerce"}

// settingsPage shows the tenant's policy and seats, with the forms owners
// change them with (the API refuses anyone else, and says so).
func (c *Console) settingsPage(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	view := settingsView{Presets: presets, Flash: r.URL.Query().Get("done")}
	if !s.get(w, "", nil, &view.Tenant) {
		return
	}
	view.Knobs = knobsOf(view.Tenant.Policy)
	c.render(w, http.StatusOK, "settings", view)
}

// knobsOf lists the policy's knobs in name order; managers_of_users is a
// list the form does not edit.
func knobsOf(policy map[string]any) []knob {
	var out []knob
	for name, v := range policy {
		k := knob{Name: name, Choices: choices[name]}
		switch v := v.(type) {
		case bool:
			k.Kind, k.Bool = "bool", v
		case float64:
			k.Kind, k.Value = "number", strconv.FormatFloat(v, 'f', -1, 64)
		case string:
			k.Kind, k.Value = "choice", v
		default:
			continue
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// saveSettings sends the changed knobs (PATCH policy) or the seats (PUT
// seats), whichever form was posted, and shows the API's refusal inline.
func (c *Console) saveSettings(w http.ResponseWriter, r *http.Request) {
	s, ok := c.formOf(w, r, 64<<10)
	if !ok {
		return
	}
	var tenant tenantDoc
	if !s.get(w, "", nil, &tenant) {
		return
	}
	var got answer
	switch r.PostForm.Get("form") {
	case "seats":
		seats, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("seats")))
		if err != nil {
			seats = -1 // the API names the field
		}
		got = c.api.call(r, http.MethodPut, s.path("/seats"), nil, map[string]any{"seats": seats}, s.token)
	default:
		got = c.api.call(r, http.MethodPatch, s.path("/policy"), nil, policyPatch(tenant.Policy, r.PostForm), s.token)
	}
	if !got.ok() {
		p := got.problemOf()
		if p.Status == http.StatusUnauthorized {
			toLogin(w, r, s.Tenant, "ended")
			return
		}
		view := settingsView{Tenant: tenant, Knobs: knobsOf(tenant.Policy), Presets: presets, Error: &p}
		c.render(w, formAgain, "settings", view)
		return
	}
	var done struct {
		Position string `json:"position"`
	}
	_ = got.decode(&done)
	redirect(w, r, withDone("/console/"+s.Tenant+"/settings", "Saved.", done.Position))
}

// policyPatch is the knobs the form changed: a preset (which resets the
// knobs to it), or the knobs whose value differs from the policy's.
func policyPatch(policy map[string]any, form url.Values) map[string]any {
	if preset := form.Get("preset"); preset != "" {
		return map[string]any{"preset": preset}
	}
	patch := map[string]any{}
	for _, k := range knobsOf(policy) {
		switch k.Kind {
		case "bool":
			if v := form.Get(k.Name) == "on"; v != k.Bool {
				patch[k.Name] = v
			}
		case "number":
			if v := strings.TrimSpace(form.Get(k.Name)); v != "" && v != k.Value {
				n, err := strconv.Atoi(v)
				if err != nil {
					patch[k.Name] = v // the API refuses it, naming the knob
				} else {
					patch[k.Name] = n
				}
			}
		default:
			if v := form.Get(k.Name); v != "" && v != k.Value {
				patch[k.Name] = v
			}
		}
	}
	return patch
}
