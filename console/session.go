package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// cookieName holds the signed-in user's session token: the API's own
// bearer token, so that the console's session ends exactly when the token
// does (revoked, blocked, deactivated, logged out, expired).
const cookieName = "roster_console"

// tenantID is the form of a tenant id (API.md): checked before it goes
// into a path or a redirect.
var tenantID = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// token is the session token the browser sent, "" if none.
func token(r *http.Request) string {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// setSession stores token in the console's cookie until expires.
func setSession(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/console/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// endSession clears the cookie.
func endSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/console/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// toLogin sends the browser to the sign-in page of tenant, saying why; an
// htmx request is redirected whole (HX-Redirect), not swapped into a page.
func toLogin(w http.ResponseWriter, r *http.Request, tenant, why string) {
	q := url.Values{}
	if tenantID.MatchString(tenant) {
		q.Set("tenant", tenant)
	}
	if why != "" {
		q.Set("why", why)
	}
	target := "/console/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	endSession(w, r)
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// home sends the browser to sign in.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// loginView is the sign-in page's data.
type loginView struct {
	Tenant, Email, Error, Why string
}

// whyText explains a sign-in page reached by a session that ended.
var whyText = map[string]string{
	"ended":     "Your session has ended: it was signed out, revoked or expired, or your access changed. Sign in again.",
	"signedout": "You are signed out.",
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, http.StatusOK, "login", loginView{Tenant: r.URL.Query().Get("tenant"), Why: whyText[r.URL.Query().Get("why")]})
}

// login signs in through the API's login, and keeps its token in the cookie.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.render(w, http.StatusBadRequest, "login", loginView{Error: "The form could not be read."})
		return
	}
	tenant, email := strings.TrimSpace(r.PostForm.Get("tenant")), strings.TrimSpace(r.PostForm.Get("email"))
	view := loginView{Tenant: tenant, Email: email}
	if !tenantID.MatchString(tenant) {
		view.Error = "Enter the organisation's id: 1 to 64 lower-case letters, digits and hyphens."
		c.render(w, formAgain, "login", view)
		return
	}
	got := c.api.call(r, http.MethodPost, "/v1/tenants/"+tenant+"/sessions", nil,
		map[string]string{"email": email, "password": r.PostForm.Get("password")}, "")
	if !got.ok() {
		p := got.problemOf()
		view.Error = loginRefusal(p)
		c.render(w, formAgain, "login", view)
		return
	}
	var session struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := got.decode(&session); err != nil {
		c.fail(w, r, err)
		return
	}
	setSession(w, r, session.Token, session.ExpiresAt)
	http.Redirect(w, r, "/console/"+tenant+"/users", http.StatusSeeOther)
}

// loginRefusal says what a refused sign-in means for the person at the form.
func loginRefusal(p problem) string {
	switch p.Code {
	case "invalid_credentials", "not_found":
		return "The organisation, e-mail or password is wrong."
	case "login_forbidden":
		return "This account may not sign in now: " + p.Detail + ". Ask an administrator."
	case "rate_limited":
		return "Too many failed attempts: " + p.Detail + "."
	case "invalid":
		return "Fill in the organisation, your e-mail and your password."
	}
	return "Signing in is not possible right now (" + p.Detail + "). Try again in a moment."
}

// logout ends the API session and the cookie.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if t := token(r); t != "" {
		c.api.call(r, http.MethodDelete, "/v1/sessions/current", nil, nil, t)
	}
	toLogin(w, r, r.URL.Query().Get("tenant"), "signedout")
}
