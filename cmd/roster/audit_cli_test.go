package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
)

// annLeaves gives tenant acme an owner and Ann, who is invited active,
// deactivated, then deleted; it returns an instant while she was active.
func annLeaves(t *testing.T, h *commands.Handlers) (whileActive time.Time) {
	t.Helper()
	createAcme(t, h)
	op, acme := domain.OperatorActor(), execution.Envelope{Tenant: "acme", Reason: "left"}
	mustHandleFn(t)(h.InviteUser.Handle(bg, acme, commands.InviteUser{Actor: op, User: "ann", Email: "ann@acme.example",
		Name: "Ann Able", Role: domain.RoleManager, Activate: true}))
	whileActive = time.Now()
	mustHandleFn(t)(h.DeactivateUser.Handle(bg, acme, domain.DeactivateUser{Actor: op, User: "ann"}))
	mustHandleFn(t)(h.DeleteUser.Handle(bg, acme, domain.DeleteUser{Actor: op, User: "ann", Reason: "gdpr request"}))
	return whileActive
}

// requireNoTraceOfAnn fails if output shows Ann's e-mail or name.
func requireNoTraceOfAnn(t *testing.T, what, output string) {
	t.Helper()
	if strings.Contains(output, "ann@acme.example") || strings.Contains(output, "Ann Able") {
		t.Errorf("%s shows the deleted user's personal data:\n%s", what, output)
	}
}

func TestAuditReplayShowsUsersAsOfAnInstantWithDeletedPeopleErased(t *testing.T) {
	t.Parallel()
	svc, url, encoded := freshServices(t, testAccess)
	whileActive := annLeaves(t, svc.Commands)
	replay := func(user string, at time.Time) (string, error) {
		var out bytes.Buffer
		cmd := &auditReplayCmd{storeFlags: storeFlags{Database: config.Database{URL: url}, EventStore: svc.Store, Secrets: config.Secrets{MasterKey: encoded}},
			Tenant: "acme", User: user, AsOf: at.Format(time.RFC3339Nano), stdout: &out}
		err := cmd.Run(bg, quiet)
		return out.String(), err
	}

	out, err := replay("ann", whileActive)
	var ann map[string]any
	if err != nil || json.Unmarshal([]byte(out), &ann) != nil {
		t.Fatalf("replay of ann: %v\n%s", err, out)
	}
	if ann["status"] != "active" || ann["role"] != "manager" || ann["can_login"] != true || ann["name"] != domain.DeletedUserName ||
		ann["email"] != nil || ann["version"] != float64(2) {
		t.Errorf("ann while active, replayed after her deletion: %v", ann)
	}
	requireNoTraceOfAnn(t, "replay of ann", out)

	out, err = replay("", time.Now().Add(time.Hour))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.Contains(lines[0], `"status":"deleted"`) || !strings.Contains(lines[1], `"email":"owner@acme.example"`) {
		t.Errorf("replay of the tenant now: %v\n%s", err, out)
	}
	requireNoTraceOfAnn(t, "replay of the tenant", out)

	if _, err := replay("ann", whileActive.Add(-time.Hour)); err == nil || !strings.Contains(err.Error(), `no user "ann" in tenant "acme"`) {
		t.Errorf("replay of ann before she existed: %v", err)
	}
	if err := (&auditReplayCmd{Tenant: "acme", AsOf: "yesterday"}).Run(bg, quiet); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("a malformed --as-of: %v", err)
	}
}

func TestAuditExportStreamsTheTrailAsCSVAndJSONLines(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	annLeaves(t, svc.Commands)
	last := mustHandleFn(t)(svc.Commands.ChangeSeats.Handle(bg, execution.Envelope{Tenant: "acme"}, domain.ChangeSeats{Actor: domain.OperatorActor(), Seats: 12}))
	if status := getJSON(t, server.URL+"/v1/tenants/acme/audit?min_position="+last.Position.String(), nil); status != 200 {
		t.Fatalf("waiting for the audit trail: %d", status)
	}
	// The export refuses a tenant the tenants read model does not know yet.
	if status := getJSON(t, server.URL+"/v1/tenants/acme?min_position="+last.Position.String(), nil); status != 200 {
		t.Fatalf("waiting for the tenants read model: %d", status)
	}
	export := func(format, from string) string {
		var out bytes.Buffer
		cmd := &auditExportCmd{Database: config.Database{URL: svc.Pool.Config().ConnString()}, Tenant: "acme", Format: format, From: from, stdout: &out}
		if err := cmd.Run(bg, quiet); err != nil {
			t.Fatalf("export %s: %v", format, err)
		}
		return out.String()
	}

	csv := strings.Split(strings.TrimSpace(export("csv", "")), "\n")
	if !strings.HasPrefix(csv[0], `"position","at","action","actor_id"`) || !strings.Contains(strings.Join(csv, "\n"), "UserDeleted") {
		t.Fatalf("csv export:\n%s", strings.Join(csv, "\n"))
	}
	jsonl := strings.Split(strings.TrimSpace(export("jsonl", "")), "\n")
	if len(jsonl) != len(csv)-1 {
		t.Errorf("%d JSON lines for %d CSV rows", len(jsonl), len(csv)-1)
	}
	for _, line := range jsonl {
		var entry struct {
			Action string `json:"action"`
			Target *struct {
				ID, Name string
			} `json:"target"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, line)
		}
		if entry.Target != nil && entry.Target.ID == "ann" && entry.Target.Name != domain.DeletedUserName {
			t.Errorf("an entry about ann names her %q", entry.Target.Name)
		}
	}
	requireNoTraceOfAnn(t, "csv export", strings.Join(csv, "\n"))
	requireNoTraceOfAnn(t, "jsonl export", strings.Join(jsonl, "\n"))
	if later := export("jsonl", time.Now().Add(time.Hour).Format(time.RFC3339)); later != "" {
		t.Errorf("export from an hour ahead: %q", later)
	}
}

// An export of a tenant the read models do not know fails (exit 1) rather
// than printing nothing as if its trail were empty.
func TestAuditExportOfAnUnknownTenantFails(t *testing.T) {
	t.Parallel()
	svc, _ := serviceOnFreshDatabase(t)
	var out bytes.Buffer
	cmd := &auditExportCmd{Database: config.Database{URL: svc.Pool.Config().ConnString()}, Tenant: "nosuch", Format: "csv", stdout: &out}
	if err := cmd.Run(bg, quiet); err == nil || !strings.Contains(err.Error(), `no tenant is named "nosuch"`) || out.Len() != 0 {
		t.Fatalf("export of nosuch: %v, output %q", err, out.String())
	}
}
