package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

func TestServeRefusesToStartWithAnotherMasterKey(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	first := roster(t, "serve", "--data-dir", dir, "--http-addr", freeAddr(t))
	stderr, _ := first.StderrPipe()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitForLine(t, stderr, "roster is serving", 30*time.Second)
	_ = first.Process.Signal(os.Interrupt)
	if err := first.Wait(); err != nil {
		t.Fatalf("first start: %v", err)
	}
	other, _ := newMasterKey(t)
	if err := os.WriteFile(filepath.Join(dir, masterKeyFile), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := roster(t, "serve", "--data-dir", dir, "--http-addr", freeAddr(t)).CombinedOutput()
	if err == nil {
		t.Fatal("serve started with a master key other than the database's")
	}
	if !strings.Contains(string(out), "ROSTER_MASTER_KEY") || strings.Contains(string(out), other) {
		t.Fatalf("the refusal should name ROSTER_MASTER_KEY and never print a key:\n%s", out)
	}
}

func TestAuditVerifyReportsALostKeyButNotADeletion(t *testing.T) {
	t.Parallel()
	svc, url, encoded := freshServices(t, testAccess)
	svcPool := svc.Pool
	h, op, acme := svc.Commands, domain.OperatorActor(), execution.Envelope{Tenant: "acme"}
	createAcme(t, h)
	for _, id := range []domain.UserID{"kept", "lost", "gone"} {
		mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: id, Email: string(id) + "@acme.example", Name: string(id), Role: domain.RoleMember}))
	}
	deleted := mustHandleFn(t)(h.DeleteUser.Handle(bg, acme, domain.DeleteUser{Actor: op, User: "gone"}))
	awaitFeed(t, svc, deleted.Position) // with KurrentDB, verify reads the feed's copy in PostgreSQL
	verify := func() (string, error) {
		cmd := roster(t, "audit", "verify", "--database-url", url)
		cmd.Env = append(cmd.Env, "ROSTER_MASTER_KEY="+encoded)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := verify(); err != nil || strings.Contains(out, "MISSING KEY") {
		t.Fatalf("a deletion was reported as key loss (%v):\n%s", err, out)
	}
	if _, err := svcPool.Exec(bg, "DELETE FROM personal_data_keys WHERE user_id = 'lost'"); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	if err == nil || !strings.Contains(out, "MISSING KEY tenant=acme user=lost") || strings.Contains(out, "user=gone") {
		t.Fatalf("audit verify after losing a key (%v):\n%s", err, out)
	}
}
