package readapi

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/audit"
	"github.com/rosterhq/roster/projections/users"
)

// listAudit answers GET /v1/tenants/{tenant}/audit as JSON pages, or with
// format=csv as one CSV document streamed from the database (every entry
// matching the filters, not held in memory).
func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	f, format, err := auditFilter(r)
	if err == nil {
		err = awaitPosition(r, a.Waiter, audit.Table, users.Table)
	}
	if err != nil {
		a.answerError(w, r, err)
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		err := audit.WriteCSV(w, func(emit func(audit.Entry) error) error { return audit.Export(r.Context(), a.DB, f, emit) })
		if err != nil { // the header is sent: the best left is to log and cut the body short
			a.Log.Error("audit csv export failed", "path", r.URL.Path, "error", err)
		}
		return
	}
	entries, next, err := audit.List(r.Context(), a.DB, f)
	if errors.Is(err, audit.ErrBadCursor) {
		err = invalid("cursor", "cursor is not one this API gave out")
	}
	if err != nil {
		a.answerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listBody(entries, next, nil))
}

func auditFilter(r *http.Request) (audit.Filter, string, error) {
	q := r.URL.Query()
	f := audit.Filter{Tenant: domain.TenantID(chi.URLParam(r, "tenant")), Actor: q.Get("actor"), Target: q.Get("target"),
		Action: q.Get("action"), After: q.Get("cursor")}
	var err error
	if f.Limit, err = limitOf(q); err != nil {
		return f, "", err
	}
	if f.From, err = timeOf(q, "from"); err != nil {
		return f, "", err
	}
	if f.To, err = timeOf(q, "to"); err != nil {
		return f, "", err
	}
	format, err := oneOf(q, "format", "json", "csv")
	return f, format, err
}

// userHistory answers GET /v1/tenants/{tenant}/users/{user}/history: the
// audit entries whose target is that user, oldest first, by pages.
func (a *API) userHistory(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, []string{audit.Table, users.Table}, func() (any, error) {
		q := r.URL.Query()
		f := audit.Filter{Tenant: domain.TenantID(chi.URLParam(r, "tenant")), Target: chi.URLParam(r, "user"), After: q.Get("cursor")}
		var err error
		if f.Limit, err = limitOf(q); err != nil {
			return nil, err
		}
		entries, next, err := audit.List(r.Context(), a.DB, f)
		if errors.Is(err, audit.ErrBadCursor) {
			err = invalid("cursor", "cursor is not one this API gave out")
		}
		if err != nil {
			return nil, err
		}
		return listBody(entries, next, nil), nil
	})
}
