package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/projections"
)

// anotherProcess wires a second command side and HTTP surface on svc's
// database, as a second roster process behind the same load balancer would
// be (it runs no projectors: reads come from the first one's read models).
func anotherProcess(t *testing.T, svc *services) string {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	other, err := wireServices(bg, svc.pool, svc.key, svc.store, passwords.TestParams(), testAccess, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	server := httptest.NewServer(httpSurface(other, svc.pool, projections.NewStatus(), log))
	t.Cleanup(server.Close)
	return server.URL
}

// A token is refused by the very next request after the command that
// revoked it has answered — revoke-sessions, block, or deactivation under a
// policy that forbids inactive users to log in — whichever of two processes
// answered the command and whichever serves the next request, 1,000 times
// while other clients keep both processes busy.
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
		{"/revoke-sessions", ""}, {"/block", "/unblock"}, {"/deactivate", "/reactivate"},
	}
	for i := range 1000 {
		commandSide, nextRequest := processes[i%2], processes[(i/2)%2]
		token := httpLogin(t, commandSide, "acme", "victim")
		expect(t, "the fresh token", call(t, nextRequest, "GET", "/v1/tenants/acme", token, nil), http.StatusOK, "")
		r := revocations[i%len(revocations)]
		expect(t, "revoke", call(t, commandSide, "POST", "/v1/tenants/acme/users/victim"+r.revoke, boss, nil), http.StatusOK, "")
		if got := call(t, nextRequest, "GET", "/v1/tenants/acme", token, nil); got.Status != http.StatusUnauthorized {
			t.Fatalf("try %d: the request right after %s answered %d %s", i, r.revoke, got.Status, got.Raw)
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
