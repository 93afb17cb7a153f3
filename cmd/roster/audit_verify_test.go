package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/audit"
)

// storedAt is where a test's history is stored, as an operator tool is
// told: the database URL, the master key and the event store.
type storedAt struct {
	url, masterKey string
	store          config.EventStore
}

// auditedAcme is tenant acme with a short history, its audit trail
// projected: zelda (an admin) deactivates bob with a reason and is deleted.
// It returns where it is stored and the position of the entry of bob's
// deactivation.
func auditedAcme(t *testing.T) (at storedAt, deactivation string) {
	svc, url, masterKey := freshServices(t, testAccess)
	at = storedAt{url: url, masterKey: masterKey, store: svc.Store}
	pool := svc.Pool
	status, running := projections.NewStatus(), make(chan struct{})
	projecting, stop := context.WithCancel(bg)
	go func() { defer close(running); wiring.RunHost(projecting, pool, svc, status, quiet) }()
	t.Cleanup(func() { stop(); <-running })

	h, op, acme := svc.Commands, domain.OperatorActor(), execution.Envelope{Tenant: "acme"}
	createAcme(t, h)
	mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "zelda", Email: "zelda@acme.example", Name: "Zelda Zed", Role: domain.RoleAdmin, Activate: true}))
	mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "bob", Email: "bob@acme.example", Name: "Bob Bee", Role: domain.RoleMember, Activate: true}))
	mustHandleFn(t)(h.DeactivateUser.Handle(bg, execution.Envelope{Tenant: "acme", Reason: "seasonal pause"}, domain.DeactivateUser{Actor: domain.UserActor("zelda"), User: "bob"}))
	last := mustHandleFn(t)(h.DeleteUser.Handle(bg, execution.Envelope{Tenant: "acme", Reason: "erasure request"}, domain.DeleteUser{Actor: op, User: "zelda"}))
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	pos, err := parseProjectionPosition(last.Position.String())
	if err == nil {
		err = status.WaitFor(ctx, pos, audit.Table)
	}
	if err == nil {
		err = pool.QueryRow(bg, `SELECT position_commit::text || '-' || position_prepare::text FROM `+audit.Table+
			` WHERE action = 'UserDeactivated' AND target_id = 'bob'`).Scan(&deactivation)
	}
	if err != nil {
		t.Fatal(err)
	}
	return at, deactivation
}

// verifyCmd is `roster audit verify` on at, and --tenant tenant unless
// empty, printing to out.
func verifyCmd(at storedAt, tenant string, out *bytes.Buffer) *auditVerifyCmd {
	cmd := &auditVerifyCmd{Tenant: tenant, storeFlags: storeFlags{EventStore: at.store}, stdout: out}
	cmd.URL, cmd.MasterKey = at.url, at.masterKey
	return cmd
}

// verifyTrail runs `roster audit verify --tenant acme` and returns its
// output and error (a non-nil error exits 1).
func verifyTrail(t *testing.T, at storedAt) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := verifyCmd(at, "acme", &out)
	err := cmd.Run(bg, quiet)
	if strings.Contains(out.String(), "@acme.example") || strings.Contains(out.String(), "Zelda Zed") {
		t.Errorf("audit verify printed personal data:\n%s", out.String())
	}
	t.Logf("audit verify --tenant acme (%v):\n%s", err, out.String())
	return out.String(), err
}

func TestAuditVerifyFindsATamperedAuditRowAndPassesAnUntouchedTrail(t *testing.T) {
	t.Parallel()
	at, deactivation := auditedAcme(t)
	pool := poolFor(t, at.url)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(bg, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	table := pgx.Identifier{audit.Table}.Sanitize()
	row := ` WHERE tenant_id = 'acme' AND position_commit::text || '-' || position_prepare::text = $1`

	out, err := verifyTrail(t, at)
	if err != nil || !strings.Contains(out, "ok: tenant acme: ") || !strings.Contains(out, "match the event store and their hash chain") {
		t.Fatalf("an untouched trail, erasure included (%v):\n%s", err, out)
	}

	exec(`UPDATE `+table+` SET reason = 'routine review'`+row, deactivation)
	out, err = verifyTrail(t, at)
	want := "MISMATCH tenant=acme position=" + deactivation + ` field=reason: expected "seasonal pause", found "routine review"`
	if err == nil || !strings.Contains(out, want) || !strings.Contains(err.Error(), deactivation) {
		t.Fatalf("after changing a reason (%v), want %q in:\n%s", err, want, out)
	}

	exec(`CREATE TABLE kept AS SELECT * FROM `+table+row, deactivation)
	exec(`DELETE FROM `+table+row, deactivation)
	out, err = verifyTrail(t, at)
	if want := "MISMATCH tenant=acme position=" + deactivation + " field=entry"; err == nil || !strings.Contains(out, want) || !strings.Contains(out, "found none") {
		t.Fatalf("after deleting an entry (%v), want %q in:\n%s", err, want, out)
	}

	exec(`INSERT INTO ` + table + ` SELECT * FROM kept`)
	exec(`UPDATE `+table+` SET reason = 'seasonal pause'`+row, deactivation)
	if out, err := verifyTrail(t, at); err != nil || !strings.Contains(out, "ok: tenant acme: ") {
		t.Fatalf("the trail restored as it was (%v):\n%s", err, out)
	}
}

func TestAuditVerifyWithoutATenantChecksOnlyKeysAndRefusesABadTenantID(t *testing.T) {
	t.Parallel()
	at, _ := auditedAcme(t)
	var out bytes.Buffer
	keysOnly := verifyCmd(at, "", &out)
	if err := keysOnly.Run(bg, quiet); err != nil || strings.Contains(out.String(), "tenant acme") {
		t.Fatalf("without --tenant (%v):\n%s", err, out.String())
	}
	bad := verifyCmd(at, "Not A Tenant", &out)
	if err := bad.Run(bg, quiet); err == nil || !strings.Contains(err.Error(), "--tenant") {
		t.Fatalf("a malformed tenant id: %v", err)
	}
	unknown := verifyCmd(at, "globex", &out)
	if err := unknown.Run(bg, quiet); err == nil || !strings.Contains(err.Error(), "no events") {
		t.Fatalf("a tenant without events: %v", err)
	}
}
