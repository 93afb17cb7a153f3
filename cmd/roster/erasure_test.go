package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/embeddedpg"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
)

var bg = context.Background()

func newMasterKey(t testing.TB) (string, personaldata.MasterKey) {
	encoded, err := personaldata.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := personaldata.ParseMasterKey(encoded)
	if err != nil {
		t.Fatal(err)
	}
	return encoded, key
}

// person is someone with unmistakable personal data.
type person struct{ email, name string }

func newPerson() person {
	tag := strings.ToLower(rand.Text()[:10])
	return person{email: "zq" + tag + "@erasure.example", name: "Zelda Quux" + tag}
}

// forms are every way the person's data could sit in a dump: clear, any
// case, base64 (every alignment, both alphabets) and hex.
func (p person) forms() []string {
	var forms []string
	for _, s := range []string{p.email, p.name} {
		forms = append(forms, s, strings.ToLower(s), strings.ToUpper(s),
			hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))))
		for pad := range 3 {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
				encoded := enc.EncodeToString(append(bytes.Repeat([]byte{0}, pad), s...))
				forms = append(forms, encoded[4*((pad+2)/3)+4:len(encoded)-4]) // the part that depends on s alone
			}
		}
	}
	return forms
}

func pgDump(t *testing.T, url string) string {
	bins, err := embeddedpg.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	initdb, err := filepath.EvalSymlinks(bins.Initdb) // PATH may hold only a link to initdb
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(filepath.Dir(initdb), "pg_dump"), "--dbname="+url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return string(out)
}

func project(t *testing.T, pool *pgxpool.Pool, svc *wiring.Services) *projections.Status {
	status := projections.NewStatus()
	router, err := projectionfeed.NewRouter(bg, projectionfeed.RouterConfig{Pool: pool, Feed: svc.Sealed,
		Projectors: []projections.Projector{tenants.New(), users.New()}, Status: status, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- router.Run(bg) }()
	<-router.Running()
	t.Cleanup(func() { _ = router.Close(); <-done })
	return status
}

func mustHandle(t *testing.T, res execution.Result, err error) execution.Result {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestADeletedPersonIsNowhereInTheDatabaseWhileTheirActionsRemain(t *testing.T) {
	t.Parallel()
	svc, url, _ := freshServices(t, testAccess)
	pool2 := svc.Pool
	status := project(t, pool2, svc)
	h, op, acme := svc.Commands, domain.OperatorActor(), execution.Envelope{Tenant: "acme"}
	zelda := newPerson()
	createAcme(t, h)
	mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "zelda", Email: zelda.email, Name: zelda.name,
		Password: "zelda's secret", Role: domain.RoleAdmin, Activate: true}))
	zeldaActs := domain.UserActor("zelda")
	mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: zeldaActs, User: "bob", Email: "bob@acme.example", Name: "Bob", Role: domain.RoleMember, Activate: true}))
	mustHandleFn(t)(h.DeactivateUser.Handle(bg, execution.Envelope{Tenant: "acme", Reason: "seasonal pause"}, domain.DeactivateUser{Actor: zeldaActs, User: "bob"}))
	knowsHers := func(ctx context.Context) error { // zelda's own change: she confirms her current password
		return svc.Sessions.ConfirmPassword(ctx, access.Principal{Tenant: "acme", User: "zelda"}, "zelda's secret", "test")
	}
	mustHandleFn(t)(h.SetPassword.Handle(bg, acme, commands.SetPassword{Actor: zeldaActs, User: "zelda", Password: "a new secret",
		ConfirmCurrent: knowsHers}))
	mustHandleFn(t)(h.RevokeSessions.Handle(bg, acme, domain.RevokeSessions{Actor: op, User: "zelda", Reason: "security review"}))
	before := mustHandleFn(t)(h.ChangeRole.Handle(bg, acme, domain.ChangeRole{Actor: op, User: "zelda", Role: domain.RoleMember}))
	waitProjected(t, status, before.Position)
	if dump := pgDump(t, url); !strings.Contains(dump, zelda.name) {
		t.Fatal("before the deletion the dump does not show the person: the search below would prove nothing")
	}
	deleted := mustHandleFn(t)(h.DeleteUser.Handle(bg, execution.Envelope{Tenant: "acme", Reason: "erasure request"}, domain.DeleteUser{Actor: op, User: "zelda"}))
	waitProjected(t, status, deleted.Position)
	dump := pgDump(t, url)
	for _, form := range zelda.forms() {
		if strings.Contains(dump, form) {
			t.Errorf("the dump still holds %q", form)
		}
	}
	if !strings.Contains(dump, "seasonal pause") || !strings.Contains(dump, domain.DeletedUserName) {
		t.Error("the person's actions (and their 'Deleted user' row) must remain")
	}
	var keys int
	if err := pool2.QueryRow(bg, "SELECT count(*) FROM personal_data_keys WHERE user_id = 'zelda'").Scan(&keys); err != nil || keys != 0 {
		t.Fatalf("%d data keys left for the deleted person (%v)", keys, err)
	}
	replay, err := svc.Sealed.ReadAll(bg, eventstore.Position{}, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range replay {
		if bytes.Contains(e.Payload, []byte(zelda.email)) || bytes.Contains(e.Payload, []byte(zelda.name)) {
			t.Fatalf("a replay still shows the person in %s", e.Type)
		}
	}
	u, found, err := users.Get(bg, pool2, "acme", "zelda")
	if err != nil || !found || u.Name != domain.DeletedUserName || u.Email != nil || u.Status != domain.StatusDeleted {
		t.Fatalf("the read model shows %+v (%v)", u, err)
	}
}

// createAcme creates tenant "acme" (strict, 10 seats) with owner "owner".
func createAcme(t *testing.T, h *commands.Handlers) {
	t.Helper()
	mustHandleFn(t)(h.CreateTenant.Handle(bg, execution.Envelope{Tenant: "acme"}, commands.CreateTenant{Actor: domain.OperatorActor(),
		Tenant: "acme", Name: "Acme", Seats: 10, Owner: commands.NewOwner{ID: "owner", Email: "owner@acme.example", Name: "Olive Owner", Password: "owner pass"}}))
}

func poolFor(t testing.TB, url string) *pgxpool.Pool {
	pool, err := pgxpool.New(bg, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func mustHandleFn(t *testing.T) func(execution.Result, error) execution.Result {
	return func(res execution.Result, err error) execution.Result { return mustHandle(t, res, err) }
}

func waitProjected(t *testing.T, status *projections.Status, at interface{ String() string }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	pos, err := parseProjectionPosition(at.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := status.WaitFor(ctx, pos, tenants.Table, users.Table); err != nil {
		t.Fatalf("projections did not reach %s: %v", at, err)
	}
}

func parseProjectionPosition(s string) (eventstore.Position, error) {
	var p eventstore.Position
	_, err := fmt.Sscanf(s, "%d-%d", &p.Commit, &p.Prepare)
	return p, err
}
