package readapi

import (
	"errors"
	"net/http"
	"time"

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
		err = a.ready(r, audit.Table, users.Table)
	}
	if err != nil {
		a.answerError(w, r, err)
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		out := &extendingWriter{ResponseWriter: w, grace: writeTimeoutOf(r)}
		err := audit.WriteCSV(out, func(emit func(audit.Entry) error) error { return audit.Export(r.Context(), a.DB, f, emit) })
		if err != nil { // the header is sent: the best left is to log and cut the body short
			a.Log.Error("audit csv export failed", "path", r.URL.Path, "error", err)
		}
		return
	}
	entries, next, err := audit.List(r.Context(), a.DB, f)
	if errors.Is(err, audit.ErrBadCursor) {
		err = errBadCursor
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
			err = errBadCursor
		}
		if err != nil {
			return nil, err
		}
		return listBody(entries, next, nil), nil
	})
}

// writeTimeoutOf is the write timeout of the server answering r (0: none).
func writeTimeoutOf(r *http.Request) time.Duration {
	if server, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		return server.WriteTimeout
	}
	return 0
}

// extendingWriter gives a streamed answer the server's write timeout again
// for each part it sends (at most once a second): a long export goes on as
// long as the client keeps reading, while a client that stops reading is
// still cut off.
type extendingWriter struct {
	http.ResponseWriter
	grace    time.Duration // 0: the server's deadline stands
	extended time.Time
}

func (e *extendingWriter) Write(p []byte) (int, error) {
	if now := time.Now(); e.grace > 0 && now.Sub(e.extended) >= time.Second {
		_ = http.NewResponseController(e.ResponseWriter).SetWriteDeadline(now.Add(e.grace)) // unsupported: the deadline stands
		e.extended = now
	}
	return e.ResponseWriter.Write(p)
}
