// Package console serves the admin console at /console/: server-rendered
// pages (html/template) with htmx for partial updates, the script and
// styles embedded in the binary. It is the JSON API's first client: every
// page is built from the API's answers to the signed-in user's token
// (apiClient), every action is the API's command (with its preview, the
// dry run, shown before the admin confirms), and every refusal is the API's
// problem document, shown inline. The console holds no rule of its own.
//
// Sign-in is per tenant with e-mail and password (POST
// /v1/tenants/{tenant}/sessions); the session token lives in an HttpOnly,
// SameSite=Strict cookie (Secure behind TLS), and cross-site form posts
// are refused (http.CrossOriginProtection). A token the API refuses — a
// revoked, blocked or deactivated user's, or one of another tenant — ends
// the console session on the next click.
package console

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config wires the console.
type Config struct {
	// API is the JSON API's handler (the service's router): the console
	// calls it in process with the signed-in user's token.
	API http.Handler
	Log *slog.Logger
}

// Console is the admin console's handler.
type Console struct {
	api   apiClient
	pages *template.Template
	log   *slog.Logger
}

// New builds the console, to be mounted at /console.
func New(cfg Config) (http.Handler, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{api: apiClient{api: cfg.API}, pages: pages, log: cfg.Log}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	r.Use(securityHeaders)
	r.Handle("/static/*", http.StripPrefix("/console/static/", cacheStatic(http.FileServerFS(static))))
	r.Get("/", c.home)
	r.Get("/login", c.loginPage)
	r.Post("/login", c.login)
	r.Post("/logout", c.logout)
	r.Route("/{tenant}", func(r chi.Router) {
		r.Get("/users", c.usersPage)
		r.Get("/teams", c.teamsPage)
		r.Post("/teams", c.changeTeam)
		r.Get("/work", c.workPage)
		r.Post("/work/reassign", c.reassign)
		r.Get("/audit", c.auditPage)
		r.Get("/audit.csv", c.auditCSV)
		r.Get("/settings", c.settingsPage)
		r.Post("/settings", c.saveSettings)
		r.Get("/users/{user}", c.userPage)
		r.Get("/users/{user}/menu", c.userMenu)
		r.Get("/users/{user}/confirm/{action}", c.confirmPage)
		r.Post("/users/{user}/{action}", c.act)
		r.Post("/bulk/confirm", c.bulkConfirm)
		r.Post("/bulk", c.bulk)
	})
	// Cross-site form posts are refused: a page of another site cannot
	// make the admin's browser act with their cookie.
	protect := http.NewCrossOriginProtection()
	return protect.Handler(r), nil
}

// parsePages parses the embedded templates.
func parsePages() (*template.Template, error) {
	return template.New("console").Funcs(templateFuncs).ParseFS(templateFiles, "templates/*.html")
}

// securityHeaders keeps the console's pages to themselves: no framing,
// scripts and styles from this origin only, no referrer across sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// cacheStatic lets browsers keep the embedded script and styles an hour.
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
