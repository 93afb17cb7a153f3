package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
	"github.com/rosterhq/roster/projections/users"
)

// poisonedUsers is the users read model made unable, while poisoned is
// set, to apply the invitation of a user whose id starts with "poison-":
// a stand-in for a bug that the next release fixes.
type poisonedUsers struct {
	users.Projector
	poisoned *atomic.Bool
}

func (p poisonedUsers) hits(e projections.Event) bool {
	d, ok := e.Data.(domain.UserInvited)
	return ok && strings.HasPrefix(string(d.User), "poison-") && p.poisoned.Load()
}

var failing = []projections.Statement{{SQL: "SELECT 1 / 0"}}

func (p poisonedUsers) Reduce(e projections.Event) []projections.Statement {
	if p.hits(e) {
		return failing
	}
	return p.Projector.Reduce(e)
}

func (p poisonedUsers) ReduceBatch(events []projections.Event) []projections.Statement {
	for _, e := range events {
		if p.hits(e) {
			return failing
		}
	}
	return p.Projector.ReduceBatch(events)
}

// withPoisonedUsers is the catalog with the users read model poisoned.
func withPoisonedUsers(poisoned *atomic.Bool) []projections.ReadModel {
	models := catalog.All()
	for i, m := range models {
		if m.Live.Name() == users.Table {
			models[i] = projections.ReadModel{Live: poisonedUsers{users.New(), poisoned}, Suffixed: func(s string) projections.Projector {
				return poisonedUsers{users.NewSuffixed(s), poisoned}
			}}
		}
	}
	return models
}

// When the users read model cannot apply one tenant's event, that tenant's
// reads of it answer 503 projection_failed with the failed position, every
// other tenant is projected and read as ever, the operator sees the failure
// (GET /v1/projections, /readyz, /metrics), and once the cause is fixed a
// retry (POST /v1/projections/users/retry) brings the tenant back, held
// events included.
func TestAReadModelThatFailedForOneTenantAnswers503WhileTheOthersGoOn(t *testing.T) {
	t.Parallel()
	poisoned := &atomic.Bool{}
	poisoned.Store(true)
	svc, server := serviceKeeping(t, testAccess, withPoisonedUsers(poisoned))
	base := server.URL
	httpTenant(t, base, "bad", "strict", 10, nil)
	httpTenant(t, base, "good", "strict", 10, nil)
	failed := httpUser(t, base, "bad", "poison-1", "member", "member").str("position")

	stopped := expect(t, "bad's users", call(t, base, "GET", "/v1/tenants/bad/users?min_position="+failed, "op-token", nil),
		http.StatusServiceUnavailable, "projection_failed")
	at := stopped.str("position")
	if at == "" || !strings.HasPrefix(stopped.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("the problem names no position, or is no problem document: %s", stopped.Raw)
	}
	expect(t, "bad's tenant", call(t, base, "GET", "/v1/tenants/bad", "op-token", nil), http.StatusServiceUnavailable, "projection_failed")
	held := httpUser(t, base, "bad", "carl", "member", "member").str("position")

	ann := httpUser(t, base, "good", "ann", "member", "member").str("position")
	list := expect(t, "good's users", call(t, base, "GET", "/v1/tenants/good/users?min_position="+ann, "op-token", nil), http.StatusOK, "")
	if total, _ := list.Body["total"].(float64); total != 2 {
		t.Fatalf("good's users: %s, want the boss and ann", list.Raw)
	}

	assertFailureShown(t, svc, base, at)
	poisoned.Store(false) // the fix
	retried := expect(t, "retry", call(t, base, "POST", "/v1/projections/users/retry?tenant=bad", "op-token", nil), http.StatusOK, "")
	if retried.str("state") != "live" {
		t.Fatalf("retry: %s", retried.Raw)
	}
	list = expect(t, "bad's users after the retry", call(t, base, "GET", "/v1/tenants/bad/users?min_position="+held, "op-token", nil), http.StatusOK, "")
	if total, _ := list.Body["total"].(float64); total != 3 {
		t.Fatalf("bad's users after the retry: %s, want the boss, poison-1 and carl", list.Raw)
	}
	if ready := call(t, base, "GET", "/readyz", "", nil); ready.Status != http.StatusOK || ready.str("status") != "ready" {
		t.Fatalf("/readyz after the retry: %d %s", ready.Status, ready.Raw)
	}
}

// assertFailureShown checks that the operator sees bad's failure of users_v2
// at position at: in GET /v1/projections, /readyz and /metrics.
func assertFailureShown(t *testing.T, svc *wiring.Services, base, at string) {
	t.Helper()
	state := projectionState(t, base, users.Table)
	if len(state.FailedTenants) != 1 || state.FailedTenants[0].Tenant != "bad" || state.FailedTenants[0].Position != at ||
		state.FailedTenants[0].EventType != "UserInvited" || !strings.Contains(state.FailedTenants[0].Error, "division by zero") {
		t.Fatalf("GET /v1/projections, users_v2: %+v", state)
	}
	// /readyz answers anyone: it says which read model is degraded and for
	// how many tenants, never which tenant (the operator reads that above).
	ready := call(t, base, "GET", "/readyz", "", nil)
	if ready.Status != http.StatusOK || ready.str("status") != "degraded" ||
		!strings.Contains(ready.Raw, `{"projection":"users_v2","tenants":1}`) || strings.Contains(ready.Raw, "bad") {
		t.Fatalf("/readyz: %d %s", ready.Status, ready.Raw)
	}
	metrics := httptest.NewRecorder()
	wiring.MetricsHandler(wiring.Lag(svc.Pool, svc.Store), wiring.HashingMetrics(svc.Hashing)...).ServeHTTP(metrics, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(metrics.Body.String(), `roster_projection_failed_tenants{projection="users_v2"} 1`) {
		t.Fatalf("/metrics has no failed tenant of users_v2:\n%s", metrics.Body.String())
	}
}

// roster projections retry asks for the retry, waits for its outcome and
// says it: live again once the cause is fixed; an error for a tenant whose
// read model has not failed.
func TestProjectionsRetryWaitsForTheOutcomeAndSaysIt(t *testing.T) {
	t.Parallel()
	poisoned := &atomic.Bool{}
	poisoned.Store(true)
	svc, url, masterKey := freshServices(t, testAccess)
	svc.ReadModels = withPoisonedUsers(poisoned)
	base := serveAll(t, svc).URL
	httpTenant(t, base, "bad", "strict", 10, nil)
	failed := httpUser(t, base, "bad", "poison-1", "member", "member").str("position")
	expect(t, "bad's users", call(t, base, "GET", "/v1/tenants/bad/users?min_position="+failed, "op-token", nil),
		http.StatusServiceUnavailable, "projection_failed")

	retry := func(tenant string) (string, error) {
		var out strings.Builder
		cmd := &projectionsRetryCmd{storeFlags: storeFlags{Database: config.Database{URL: url}, Secrets: config.Secrets{MasterKey: masterKey},
			EventStore: svc.Store}, Name: "users", Tenant: tenant, stdout: &out}
		err := cmd.Run(bg, quiet)
		return out.String(), err
	}
	if _, err := retry("nobody"); err == nil || !errors.Is(err, projections.ErrNoFailure) {
		t.Fatalf("retry of a tenant that has not failed: %v", err)
	}
	poisoned.Store(false)
	if out, err := retry("bad"); err != nil || out != "users_v2 of tenant bad: live again\n" {
		t.Fatalf("retry of bad: %q, %v", out, err)
	}
}

// roster projections list says stopped when no process runs the projectors
// (nothing moves, whatever the lag looks like), and live once one does.
func TestProjectionsListSaysWhetherAnyProcessRunsTheProjectors(t *testing.T) {
	t.Parallel()
	svc, url, _ := freshServices(t, testAccess)
	list := func() string {
		var out strings.Builder
		cmd := &projectionsListCmd{Database: config.Database{URL: url}, EventStore: svc.Store, stdout: &out}
		if err := cmd.Run(bg, quiet); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if out := list(); strings.Count(out, " stopped ") != len(wiring.Projectors()) {
		t.Fatalf("with no projectors running:\n%s", out)
	}
	serveAll(t, svc)
	deadline := time.Now().Add(20 * time.Second)
	for out := list(); strings.Contains(out, " stopped "); out = list() {
		if time.Now().After(deadline) {
			t.Fatalf("with serve running its projectors:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond) // another goroutine taking the projectors' lock is the condition
	}
}
