package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
)

// anotherProcess wires a second command side and HTTP surface on svc's
// database, as a second roster process behind the same load balancer would
// be (it runs no projectors: reads come from the first one's read models).
func anotherProcess(t *testing.T, svc *wiring.Services) string {
	t.Helper()
	log := quiet
	other, err := wiring.Open(bg, svc.Pool, svc.Key, svc.Store, passwords.TestParams(), testAccess, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	server := httptest.NewServer(wiring.Router(other, svc.Pool, projections.NewStatus(), log))
	t.Cleanup(server.Close)
	return server.URL
}

// A token is refused by the very next request after the command that
// revoked it has answered — revoke-sessions, block, deactivation under a
// policy that forbids inactive users to log in, or the session's own
// logout — whichever of two processes answered the command and whichever
// serves the next request, 1,000 times while other clients keep both
// processes busy. The next request is a read, a command or an introspection
// of the token by itself; the token has been used for a command on that
// process before, so that the process knows the session and the command (or
// the introspection) checks it itself, as it would store its events or read
// the session asked about (sessions.Service.AuthenticateCommand).
func TestARevokedTokenIsRefusedByTheVeryNextRequest(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	processes := []string{server.URL, anotherProcess(t, svc)}
	boss := httpTenant(t, processes[0], "acme", "strict", 50, nil)
	httpUser(t, processes[0], "acme", "victim", "member", "member")
	other := httpTenant(t, processes[0], "globex", "strict", 50, nil)
	var last reply
	for i := range 4 {
		last = httpUser(t, processes[0], "acme", fmt.Sprintf("busy-%d", i), "member", "member")
		httpUser(t, processes[0], "globex", fmt.Sprintf("busy-%d", i), "member", "member")
	}
	// Both processes read from the read models the first one projects.
	expect(t, "projected", call(t, processes[0], "GET", "/v1/tenants/acme?min_position="+last.str("position"), boss, nil), http.StatusOK, "")

	ctx, stop := context.WithCancel(bg)
	var load sync.WaitGroup
	for i := range 4 { // concurrent load: reads and commands on both processes, on acme and another tenant
		load.Add(1)
		go func() {
			defer load.Done()
			base, user, tenant, token := processes[i%2], fmt.Sprintf("busy-%d", i), "acme", boss
			if i >= 2 {
				tenant, token = "globex", other
			}
			for n := 0; ctx.Err() == nil; n++ {
				action := []string{"/block", "/unblock"}[n%2]
				fire(base, "POST", "/v1/tenants/"+tenant+"/users/"+user+action, token)
				fire(base, "GET", "/v1/tenants/"+tenant+"/users?limit=5", token)
			}
		}()
	}
	defer func() { stop(); load.Wait() }()

	revocations := []struct{ revoke, restore string }{
		{"/revoke-sessions", ""}, {"/block", "/unblock"}, {"/deactivate", "/reactivate"}, {"logout", ""},
	}
	command := func(base, token string) reply { // one the victim may run on themselves, which stores an event
		return call(t, base, "PUT", "/v1/tenants/acme/users/victim/password", token, obj{"password": passwordOf("victim"), "current_password": passwordOf("victim")})
	}
	for i := range 1000 {
		commandSide, nextRequest := processes[i%2], processes[(i/2)%2]
		token := httpLogin(t, commandSide, "acme", "victim")
		expect(t, "the fresh token", call(t, nextRequest, "GET", "/v1/tenants/acme", token, nil), http.StatusOK, "")
		expect(t, "the fresh token's command", command(nextRequest, token), http.StatusOK, "")
		r := revocations[(i/4)%len(revocations)] // i/4: each revocation with each pair of processes
		if r.revoke == "logout" {
			expect(t, "logout", call(t, commandSide, "DELETE", "/v1/sessions/current", token, nil), http.StatusNoContent, "")
		} else {
			expect(t, "revoke", call(t, commandSide, "POST", "/v1/tenants/acme/users/victim"+r.revoke, boss, nil), http.StatusOK, "")
		}
		var next reply
		switch (i / 16) % 3 { // every revocation and pair of processes, with a read, a command and an introspection
		case 0:
			next = call(t, nextRequest, "GET", "/v1/tenants/acme", token, nil)
		case 1:
			next = command(nextRequest, token)
		case 2: // the caller's session is checked in the read of the one it asks about
			next = call(t, nextRequest, "POST", "/v1/introspect", token, obj{"token": token})
		}
		if next.Status != http.StatusUnauthorized {
			t.Fatalf("try %d: the request right after %s answered %d %s", i, r.revoke, next.Status, next.Raw)
		}
		if r.restore != "" {
			expect(t, "restore", call(t, commandSide, "POST", "/v1/tenants/acme/users/victim"+r.restore, boss, nil), http.StatusOK, "")
		}
	}
}

// fire sends a request for load's sake, ignoring the outcome (it runs off the
// test's goroutine, where failing the test is not allowed).
func fire(base, method, path, token string) {
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// A command whose token this process has checked before takes the session
// from memory and checks it itself, in the round trip that stores its
// events: a session deleted meanwhile (as by a logout another process
// answered) fails the command with 401 and stores nothing; a command that
// would store nothing (a refusal) checks the session as any request does;
// an introspection checks it in the read of the session it asks about.
// On KurrentDB, which cannot run that check with an append, every token is
// checked up front.
func TestACommandChecksASessionItKnowsAsItStoresItsEvents(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "victim", "member", "member")
	command := func(token string) reply {
		return call(t, base, "PUT", "/v1/tenants/acme/users/victim/password", token, obj{"password": passwordOf("victim"), "current_password": passwordOf("victim")})
	}
	refused := func(token string) reply { // a member may not block the owner: nothing to store
		return call(t, base, "POST", "/v1/tenants/acme/users/boss/block", token, nil)
	}
	introspect := func(token string) reply { // the caller's check is made in the read of the token asked about
		return call(t, base, "POST", "/v1/introspect", token, obj{"token": token})
	}
	length := func() int {
		events, err := svc.Events.ReadStream(bg, "tenant-acme", 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		return len(events)
	}
	for _, next := range []struct {
		name    string
		request func(token string) reply
	}{{"a command", command}, {"a refused command", refused}, {"an introspection", introspect}} {
		token := httpLogin(t, base, "acme", "victim")
		expect(t, "the first command", command(token), http.StatusOK, "")
		expect(t, "the first refusal", refused(token), http.StatusForbidden, "forbidden")
		p, check, ok, err := svc.Sessions.AuthenticateCommand(bg, token)
		if err != nil || !ok || (check != nil) == svc.Store.KurrentDB() {
			t.Fatalf("%s: the known session: %+v, %v, %v; want it taken from memory unless on KurrentDB", next.name, p, ok, err)
		}
		if _, err := svc.Pool.Exec(bg, `DELETE FROM sessions`); err != nil { // another process's logout
			t.Fatal(err)
		}
		before := length()
		expect(t, next.name+" after the logout", next.request(token), http.StatusUnauthorized, "unauthenticated")
		if after := length(); after != before {
			t.Fatalf("%s after the logout stored %d events", next.name, after-before)
		}
	}
}

// The sessions a process remembers are forgotten once expired (the hourly
// purge), and a forgotten session is checked up front again.
func TestExpiredSessionsAreForgotten(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	httpTenant(t, server.URL, "acme", "strict", 10, nil)
	httpUser(t, server.URL, "acme", "victim", "member", "member")
	token := httpLogin(t, server.URL, "acme", "victim")
	expect(t, "a command", call(t, server.URL, "PUT", "/v1/tenants/acme/users/victim/password", token, obj{"password": passwordOf("victim"), "current_password": passwordOf("victim")}), http.StatusOK, "")
	deferred := func() bool {
		_, check, ok, err := svc.Sessions.AuthenticateCommand(bg, token)
		if err != nil || !ok {
			t.Fatalf("the live session: %v, %v", ok, err)
		}
		return check != nil
	}
	if !deferred() && !svc.Store.KurrentDB() {
		t.Fatal("the session was not remembered")
	}
	svc.Sessions.ForgetExpired(time.Now())
	if !deferred() && !svc.Store.KurrentDB() {
		t.Fatal("a live session was forgotten")
	}
	svc.Sessions.ForgetExpired(time.Now().Add(testAccess.TTL + time.Minute))
	if deferred() {
		t.Fatal("an expired session is still remembered")
	}
}
