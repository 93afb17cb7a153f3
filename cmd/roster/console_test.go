package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// consoleClient is a browser without JavaScript: it keeps no cookies of
// its own and follows no redirects, so that each answer is seen as sent.
var consoleClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consoleSignIn signs in through the console's form and returns its cookie.
func consoleSignIn(t *testing.T, base, tenant, id string) *http.Cookie {
	t.Helper()
	form := url.Values{"tenant": {tenant}, "email": {id + "@" + tenant + ".example"}, "password": {passwordOf(id)}}
	req, _ := http.NewRequest("POST", base+"/console/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := consoleClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/"+tenant+"/users" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("sign-in: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "roster_console" {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/console/" {
				t.Errorf("the session cookie is not HttpOnly, SameSite=Strict, Path=/console/: %+v", c)
			}
			return c
		}
	}
	t.Fatal("sign-in set no session cookie")
	return nil
}

// consoleGet fetches a console page with cookie (none if nil).
func consoleGet(t *testing.T, base, path string, cookie *http.Cookie) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := consoleClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// The console answers only a signed-in user of its own tenant, and refuses
// a cross-site form post even with the admin's cookie: a request without
// the cookie, a cookie of another tenant and a forged cross-site POST are
// each refused, and the forged POST changes nothing.
func TestTheConsoleRefusesWhoIsNotSignedInToItsTenant(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	httpTenant(t, base, "acme", "strict", 10, nil)
	httpTenant(t, base, "globex", "strict", 10, nil)
	ann := httpUser(t, base, "acme", "ann", "member", "member")
	// The pages read without min_position, as a person arriving later does:
	// the read models must have the tenant first.
	for _, read := range []string{"/v1/tenants/acme", "/v1/tenants/acme/users"} {
		expect(t, "wait for the read models", call(t, base, "GET", read+"?min_position="+url.QueryEscape(ann.str("position")), "op-token", nil),
			http.StatusOK, "")
	}
	acme := consoleSignIn(t, base, "acme", "boss")
	globex := consoleSignIn(t, base, "globex", "boss")

	if status, _, body := consoleGet(t, base, "/console/acme/users", acme); status != http.StatusOK || !strings.Contains(body, "Users of acme") {
		t.Fatalf("the signed-in owner's page: %d %.300s", status, body)
	}
	if status, where, _ := consoleGet(t, base, "/console/acme/users", nil); status != http.StatusSeeOther || !strings.HasPrefix(where, "/console/login") {
		t.Errorf("without the cookie: %d to %q, want a redirect to sign in", status, where)
	}
	if status, where, _ := consoleGet(t, base, "/console/acme/users", globex); status != http.StatusSeeOther || !strings.HasPrefix(where, "/console/login") {
		t.Errorf("with a cookie of another tenant: %d to %q, want a redirect to sign in", status, where)
	}

	before := streamLength(t, svc, "acme")
	forged, _ := http.NewRequest("POST", base+"/console/acme/users/ann/deactivate", strings.NewReader("reason=forged"))
	forged.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	forged.Header.Set("Origin", "https://evil.example")
	forged.Header.Set("Sec-Fetch-Site", "cross-site")
	forged.AddCookie(acme)
	resp, err := consoleClient.Do(forged)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site POST: %d, want 403", resp.StatusCode)
	}
	if streamLength(t, svc, "acme") != before {
		t.Fatal("a cross-site POST changed the tenant")
	}
}
