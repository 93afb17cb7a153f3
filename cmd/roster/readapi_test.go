package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
)

// testAccess is the authentication of the test services: operator token
// "op-token", hour-long sessions, the default login limits.
var testAccess = wiring.Access{OperatorToken: "op-token", TTL: time.Hour, Limits: sessions.DefaultLimits()}

// readSide runs the command side, the projectors and the whole HTTP surface
// on a fresh database, as serve wires them.
func readSide(t *testing.T) (*commands.Handlers, *httptest.Server) {
	t.Helper()
	svc, server := serviceOnFreshDatabase(t)
	return svc.Commands, server
}

// serviceOnFreshDatabase runs the services, the projectors and the HTTP
// surface on a fresh database.
func serviceOnFreshDatabase(t testing.TB) (*wiring.Services, *httptest.Server) {
	t.Helper()
	return serviceWith(t, testAccess)
}

// freshServices wires the services (no projectors, no HTTP) on a fresh
// database with a fresh master key, closed with the test; it also returns
// the database URL and the encoded key, for commands run as another process.
func freshServices(t testing.TB, settings wiring.Access) (svc *wiring.Services, url, masterKey string) {
	t.Helper()
	url = pgtest.NewDatabase(t)
	masterKey, key := newMasterKey(t)
	return servicesOn(t, poolFor(t, url), key, settings), url, masterKey
}

// servicesOn wires the services (no projectors, no HTTP) on pool's migrated
// database, closed with the test.
func servicesOn(t testing.TB, pool *pgxpool.Pool, key personaldata.MasterKey, settings wiring.Access) *wiring.Services {
	t.Helper()
	svc, err := wiring.Open(bg, pool, key, testEventStore(t), passwords.TestParams(), settings, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// serviceWith is serviceOnFreshDatabase with the given authentication settings.
func serviceWith(t testing.TB, settings wiring.Access) (*wiring.Services, *httptest.Server) {
	t.Helper()
	return serviceKeeping(t, settings, nil)
}

// serviceKeeping is serviceWith whose projectors keep readModels (nil: the
// catalog's).
func serviceKeeping(t testing.TB, settings wiring.Access, readModels []projections.ReadModel) (*wiring.Services, *httptest.Server) {
	t.Helper()
	svc, _, _ := freshServices(t, settings)
	if readModels != nil {
		svc.ReadModels = readModels
	}
	return svc, serveAll(t, svc)
}

// testWebhooks lets endpoints point at loopback receivers (httptest
// servers) and retries within a test's patience.
var testWebhooks = webhooks.Options{AllowPrivate: true, Timeout: 2 * time.Second,
	Backoff: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}}

// serveAll runs svc's projectors and the whole HTTP surface over it, as
// serve does, until the test ends.
func serveAll(t testing.TB, svc *wiring.Services) *httptest.Server {
	t.Helper()
	pool, log := svc.Pool, quiet
	svc.ConfigureWebhooks(testWebhooks) // loopback receivers; deliveries run where a test runs RunWebhooks
	if err := projections.Setup(bg, pool, wiring.Projectors()...); err != nil {
		t.Fatal(err)
	}
	status := projections.NewStatus()
	ctx, stop := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { defer close(done); wiring.RunProjectors(ctx, pool, svc, status, log) }()
	t.Cleanup(func() { stop(); <-done })
	server := httptest.NewServer(wiring.Router(svc, pool, status, log))
	t.Cleanup(server.Close)
	return server
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	status, body := get(t, url, "op-token")
	if into != nil && status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), into); err != nil {
			t.Fatalf("%s: %v\n%s", url, err, body)
		}
	}
	return status
}

// A command followed by a read with its position as min_position always
// sees the command's effect.
func TestEveryReadAtACommandsPositionSeesItsEffect(t *testing.T) {
	t.Parallel()
	h, server := readSide(t)
	createAcme(t, h)
	acme := execution.Envelope{Tenant: "acme"}
	mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: domain.OperatorActor(), User: "ann",
		Email: "ann@acme.example", Name: "Ann", Role: domain.RoleMember, Activate: true}))
	for i := range 1000 {
		var res execution.Result
		want := domain.StatusInactive
		if i%2 == 0 {
			res = mustHandleFn(t)(h.DeactivateUser.Handle(bg, acme, domain.DeactivateUser{Actor: domain.OperatorActor(), User: "ann"}))
		} else {
			res = mustHandleFn(t)(h.ReactivateUser.Handle(bg, acme, domain.ReactivateUser{Actor: domain.OperatorActor(), User: "ann"}))
			want = domain.StatusActive
		}
		var user struct {
			Status  domain.Status `json:"status"`
			Version int64         `json:"version"`
		}
		url := fmt.Sprintf("%s/v1/tenants/acme/users/ann?min_position=%s", server.URL, res.Position)
		if status := getJSON(t, url, &user); status != http.StatusOK || user.Status != want || user.Version != res.User.Version {
			t.Fatalf("read %d after the command: %d %+v, want %s at version %d", i, status, user, want, res.User.Version)
		}
	}
}

func TestTheReadEndpointsAnswerInTheContractsShape(t *testing.T) {
	t.Parallel()
	h, server := readSide(t)
	createAcme(t, h)
	op, acme := domain.OperatorActor(), execution.Envelope{Tenant: "acme", Reason: "left"}
	mustHandleFn(t)(h.DefineTeam.Handle(bg, acme, domain.DefineTeam{Actor: op, Team: "red", Name: "Red"}))
	mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "ann", Email: "ann@acme.example", Name: "Ann Able",
		Role: domain.RoleMember, Teams: []domain.TeamID{"red"}, Activate: true}))
	mustHandleFn(t)(h.AssignWork.Handle(bg, acme, domain.AssignWork{Actor: op, Item: "job-1", Kind: "job", Assignee: ptrTo(domain.UserID("ann"))}))
	last := mustHandleFn(t)(h.DeactivateUser.Handle(bg, acme, domain.DeactivateUser{Actor: op, User: "ann"}))
	at := "?min_position=" + last.Position.String()
	var list struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	if getJSON(t, server.URL+"/v1/tenants/acme/users"+at+"&status=inactive&q=ABLE", &list); list.Total != 1 || list.Items[0]["email"] != "ann@acme.example" || list.Items[0]["can_login"] != false {
		t.Fatalf("inactive users matching ABLE: %+v", list)
	}
	var tenant map[string]any
	if getJSON(t, server.URL+"/v1/tenants/acme"+at, &tenant); fmt.Sprint(tenant["seats"]) != "map[available:9 purchased:10 used:1]" {
		t.Fatalf("tenant: %v", tenant)
	}
	var teams, work, audit struct {
		Items []map[string]any `json:"items"`
	}
	getJSON(t, server.URL+"/v1/tenants/acme/teams"+at, &teams)
	getJSON(t, server.URL+"/v1/tenants/acme/work"+at+"&assignee=ann", &work)
	getJSON(t, server.URL+"/v1/tenants/acme/audit"+at+"&action=UserDeactivated", &audit)
	if len(teams.Items) != 1 || len(work.Items) != 1 || len(audit.Items) != 1 || audit.Items[0]["reason"] != "left" {
		t.Fatalf("teams %v\nwork %v\naudit %v", teams, work, audit)
	}
	if status, body := get(t, server.URL+"/v1/tenants/acme/audit"+at+"&format=csv", "op-token"); status != http.StatusOK ||
		!strings.HasPrefix(body, `"position","at","action","actor_id","actor_name","target_id","target_name","reason","details"`) {
		t.Fatalf("csv: %d %.200s", status, body)
	}
	for url, want := range map[string]int{
		"/v1/tenants/acme/users?limit=0":                    http.StatusBadRequest,
		"/v1/tenants/acme/users?status=sleeping":            http.StatusBadRequest,
		"/v1/tenants/acme/users?min_position=xyz":           http.StatusBadRequest,
		"/v1/tenants/acme/users/nobody":                     http.StatusNotFound,
		"/v1/tenants/acme/users?min_position=99999999999-1": http.StatusGatewayTimeout,
	} {
		if status, body := get(t, server.URL+url, "op-token"); status != want || !strings.Contains(body, `"code"`) {
			t.Errorf("%s: %d %s, want %d with a problem code", url, status, body, want)
		}
	}
	if status, _ := get(t, server.URL+"/v1/tenants/acme/users", ""); status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", status)
	}
}

func ptrTo[T any](v T) *T { return &v }
