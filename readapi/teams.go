package readapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/teams"
	"github.com/rosterhq/roster/projections/work"
)

// listTeams answers GET /v1/tenants/{tenant}/teams.
func (a *API) listTeams(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, []string{teams.Table}, func() (any, error) {
		list, err := teams.List(r.Context(), a.DB, domain.TenantID(chi.URLParam(r, "tenant")))
		if err != nil {
			return nil, err
		}
		items := make([]documents.Team, len(list))
		for i, t := range list {
			items[i] = documents.NewTeam(domain.TeamView{ID: t.ID, Name: t.Name, Leader: t.Leader, Members: t.Members})
		}
		return map[string]any{"items": items}, nil
	})
}

// listWork answers GET /v1/tenants/{tenant}/work (assignee "unassigned"
// lists the items nobody holds).
func (a *API) listWork(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, []string{work.Table}, func() (any, error) {
		q := r.URL.Query()
		limit, err := limitOf(q)
		if err != nil {
			return nil, err
		}
		after, err := workCursor.after(q)
		if err != nil {
			return nil, err
		}
		f := work.Filter{Tenant: domain.TenantID(chi.URLParam(r, "tenant")), Kind: q.Get("kind"), Limit: limit, After: after}
		if q.Has("assignee") {
			assignee := q.Get("assignee")
			if assignee == string(domain.Unassigned) {
				assignee = ""
			}
			f.Assignee = &assignee
		}
		page, next, err := work.List(r.Context(), a.DB, f)
		if err != nil {
			return nil, err
		}
		items := make([]documents.WorkItem, len(page))
		for i, it := range page {
			items[i] = documents.NewWorkItem(domain.WorkItemView{ID: it.ID, Kind: it.Kind, Assignee: it.Assignee}, it.UpdatedAt)
		}
		return listBody(items, workCursor.encode(next), nil), nil
	})
}
