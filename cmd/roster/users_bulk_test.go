package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
)

// bulkFile writes a CSV for `roster users bulk` and returns its path.
func bulkFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "leavers.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// `roster users bulk` reports every bad row with its line number and then
// sends nothing; given good rows it sends them, prints what changed, what
// was already so and what was refused and why, and exits non-zero when
// anything was refused. A dry run changes nothing and says so.
func TestUsersBulkFromACSV(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, nil)
	var last reply
	for _, u := range []string{"ann", "bob", "cy", "olga"} {
		last = httpUser(t, base, "acme", u, "member", "member")
	}
	// The file's e-mails are looked up in the users read model: wait until
	// it has the users, as a run long after their creation would find them.
	expect(t, "read model", call(t, base, "GET", "/v1/tenants/acme/users?min_position="+last.str("position"), boss, nil), 200, "")
	run := func(file string, dry bool) (string, error) {
		var out bytes.Buffer
		cmd := usersBulkCmd{Tenant: "acme", File: file, Action: "deactivate", DryRun: dry, URL: base, Token: boss, stdout: &out}
		err := cmd.Run(bg, quiet)
		return strings.Join(strings.Fields(out.String()), " "), err // the table's spacing aside
	}

	before := streamLength(t, svc, "acme")
	bad := bulkFile(t, "user,reason,handoff_to\nann,left,olga\nnobody@acme.example,,\nNot An Id,,\nbob,,olga,extra\nann@acme.example,,\n")
	out, err := run(bad, false)
	if err == nil {
		t.Fatalf("a file with bad rows passed:\n%s", out)
	}
	for _, want := range []string{"line 3: no user of acme has the e-mail nobody@acme.example", "line 4:", "line 5: 4 columns"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if streamLength(t, svc, "acme") != before {
		t.Fatal("a file with bad rows was sent")
	}
	dup := bulkFile(t, "ann\nann@acme.example\n")
	if out, err := run(dup, false); err == nil || !strings.Contains(out, "line 2: ann is listed already, on line 1") {
		t.Errorf("a user listed twice (by id and e-mail): %v\n%s", err, out)
	}

	good := bulkFile(t, "ann,contract ended,olga\nbob@acme.example\nboss\ncy\n")
	out, err = run(good, true)
	if err == nil || !strings.Contains(out, "would change (dry run: nothing was stored) 3") || streamLength(t, svc, "acme") != before {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	expect(t, "cy already", call(t, base, "POST", "/v1/tenants/acme/users/cy/deactivate", boss, nil), 200, "")
	out, err = run(good, false)
	if err == nil {
		t.Errorf("a run with a refused row exits 0:\n%s", out)
	}
	for _, want := range []string{"changed 2", "already so 1", "refused 1", "sole_owner 1", "line 3 boss refused sole_owner"} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	events, err := svc.Events.ReadStream(bg, domain.TenantStream("acme"), int64(before), 100)
	if err != nil {
		t.Fatal(err)
	}
	reasons := ""
	for _, e := range events {
		reasons += e.Type + ":" + string(e.Metadata) + "\n"
	}
	if !strings.Contains(reasons, `UserDeactivated:{"tenant":"acme"`) || !strings.Contains(reasons, `"reason":"contract ended"`) {
		t.Errorf("the events lack the row's reason:\n%s", reasons)
	}
	clean := bulkFile(t, "olga\n")
	if out, err := run(clean, false); err != nil || !strings.Contains(out, "changed 1") {
		t.Errorf("a clean run: %v\n%s", err, out)
	}
}
