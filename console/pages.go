package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
)

// templateFuncs are the helpers the templates use.
var templateFuncs = template.FuncMap{
	"when": func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"day": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"join": func(s []string) string {
		if len(s) == 0 {
			return "—"
		}
		return strings.Join(s, ", ")
	},
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ")
	},
}

// formAgain is the status of a form shown again with the API's refusal
// inline: the page is what the browser asked for, and says what went wrong
// in words; the refusal's own status is the API's, for the API's clients.
const formAgain = http.StatusOK

// render writes the page name with data; a template that fails renders
// nothing half-done.
func (c *Console) render(w http.ResponseWriter, status int, name string, data any) {
	var page bytes.Buffer
	if err := c.pages.ExecuteTemplate(&page, name, data); err != nil {
		c.log.Error("console: render", "page", name, "error", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(page.Bytes())
}

// fail answers a failure of the console itself.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error("console: request failed", "path", r.URL.Path, "error", err)
	c.render(w, http.StatusInternalServerError, "error", errorView{Message: "Something went wrong; try again."})
}

type errorView struct{ Message string }

// signedIn is a request of a browser with a session: its tenant (from the
// path) and its token (from the cookie). Whether the API still takes the
// token is the first read's answer: a refusal sends the browser to sign in.
type signedIn struct {
	c      *Console
	r      *http.Request
	Tenant string
	token  string
}

// session resolves the request's session; without one the browser is sent
// to sign in and ok is false.
func (c *Console) session(w http.ResponseWriter, r *http.Request) (s signedIn, ok bool) {
	tenant := chi.URLParam(r, "tenant")
	t := token(r)
	if !tenantID.MatchString(tenant) || t == "" {
		toLogin(w, r, tenant, "")
		return signedIn{}, false
	}
	return signedIn{c: c, r: r, Tenant: tenant, token: t}, true
}

// formOf resolves the session of a form's post and reads the form, of at
// most limit bytes; ok is false once it has answered.
func (c *Console) formOf(w http.ResponseWriter, r *http.Request, limit int64) (signedIn, bool) {
	s, ok := c.session(w, r)
	if !ok {
		return s, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		c.render(w, http.StatusBadRequest, "error", errorView{Message: "The form could not be read."})
		return s, false
	}
	return s, true
}

// get reads path (under the tenant when it starts with "/", else as is)
// into v. It reports false, having answered, when the API refused: a token
// refused sends the browser to sign in; any other refusal is shown.
func (s signedIn) get(w http.ResponseWriter, path string, query url.Values, v any) bool {
	return s.answered(w, s.c.api.call(s.r, http.MethodGet, s.path(path), query, nil, s.token), v)
}

// answered decodes a read's reply into v; it reports false, having
// answered, when the API refused or the reply is not what was expected.
func (s signedIn) answered(w http.ResponseWriter, got answer, v any) bool {
	if !got.ok() {
		s.refused(w, got.problemOf())
		return false
	}
	if err := got.decode(v); err != nil {
		s.c.fail(w, s.r, err)
		return false
	}
	return true
}

// path is an API path of the tenant.
func (s signedIn) path(p string) string {
	if strings.HasPrefix(p, "/v1/") {
		return p
	}
	return "/v1/tenants/" + s.Tenant + p
}

// refused answers a refusal of a read: the session's end (a token refused,
// or one of another tenant, whose paths the API hides: 404 on the tenant),
// or a page that says what the API said.
func (s signedIn) refused(w http.ResponseWriter, p problem) {
	if p.Status == http.StatusUnauthorized || p.Status == http.StatusNotFound && p.Code == "not_found" && s.tenantHidden() {
		toLogin(w, s.r, s.Tenant, "ended")
		return
	}
	s.c.render(w, p.Status, "error", errorView{Message: fmt.Sprintf("%s (%s)", p.Detail, p.Code)})
}

// tenantHidden reports whether the tenant's own resource is hidden from the
// token: the token is of another tenant (or the tenant is gone).
func (s signedIn) tenantHidden() bool {
	return s.c.api.call(s.r, http.MethodGet, "/v1/tenants/"+s.Tenant, nil, nil, s.token).Status == http.StatusNotFound
}
