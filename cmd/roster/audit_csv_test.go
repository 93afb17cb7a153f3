package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The findings of issue 14: a user named =HYPERLINK(…), a reason
// =cmd|' /C calc'!A0 and a reason holding CR LF reach the audit CSV (the
// API's, and `roster audit export`'s, which are one writer) neutralised: the
// formulas behind a single quote, CR and LF as \r and \n, each entry on one
// line. The JSON Lines export keeps every value exactly as written.
func TestTheAuditCSVNeutralisesFormulasAndEscapesLineBreaksInTheAPIAndTheExport(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	const name, dde, crlf = `=HYPERLINK("http://evil.example","click")`, `=cmd|' /C calc'!A0`, "line one\r\nline two"
	expect(t, "invite eve", call(t, base, "POST", "/v1/tenants/acme/users", boss,
		obj{"id": "eve", "email": "eve@acme.example", "name": name, "role": "member", "activate": true}), http.StatusCreated, "")
	expect(t, "block eve", call(t, base, "POST", "/v1/tenants/acme/users/eve/block", boss, obj{"reason": dde}), http.StatusOK, "")
	last := expect(t, "unblock eve", call(t, base, "POST", "/v1/tenants/acme/users/eve/unblock", boss, obj{"reason": crlf}), http.StatusOK, "")

	api := call(t, base, "GET", "/v1/tenants/acme/audit?format=csv&target=eve&min_position="+url.QueryEscape(last.str("position")), boss, nil)
	if api.Status != http.StatusOK {
		t.Fatalf("GET audit as CSV: %d %s", api.Status, api.Raw)
	}
	rows := csvRows(t, api.Raw)
	if len(rows) < 4 || strings.Contains(api.Raw, "\r") {
		t.Fatalf("want one line per entry about eve, and no carriage return:\n%s", api.Raw)
	}
	for _, r := range rows {
		if r["target_name"] != "'"+name {
			t.Errorf("%s: target_name %q, want %q", r["action"], r["target_name"], "'"+name)
		}
	}
	reasons := map[string]string{}
	for _, r := range rows {
		reasons[r["action"]] = r["reason"]
	}
	if reasons["UserBlocked"] != "'"+dde || reasons["UserUnblocked"] != `line one\r\nline two` {
		t.Errorf("reasons in the CSV: %q", reasons)
	}

	// The export refuses a tenant the tenants read model does not know yet.
	expect(t, "wait for the tenants read model", call(t, base, "GET", "/v1/tenants/acme?min_position="+url.QueryEscape(last.str("position")), boss, nil),
		http.StatusOK, "")
	var exported bytes.Buffer
	if err := (&auditExportCmd{Tenant: "acme", Format: "csv", stdout: &exported}).exportFrom(bg, svc.Pool); err != nil {
		t.Fatal(err)
	}
	cliLines := strings.Split(exported.String(), "\n")
	for _, line := range strings.Split(strings.TrimSuffix(api.Raw, "\n"), "\n") {
		if !slices.Contains(cliLines, line) {
			t.Errorf("the API's CSV line\n%s\nis not in roster audit export's CSV:\n%s", line, exported.String())
		}
	}

	var jsonl bytes.Buffer
	if err := (&auditExportCmd{Tenant: "acme", Format: "jsonl", stdout: &jsonl}).exportFrom(bg, svc.Pool); err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(jsonl.String()), "\n") {
		var e struct {
			Reason string `json:"reason"`
			Target *struct {
				Name string `json:"name"`
			} `json:"target"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, line)
		}
		kept[e.Reason] = true
		if e.Target != nil {
			kept[e.Target.Name] = true
		}
	}
	for _, v := range []string{name, dde, crlf} {
		if !kept[v] {
			t.Errorf("the JSON Lines export does not hold %q as written", v)
		}
	}
}

// csvRows parses a CSV with a header row into one map per row.
func csvRows(t *testing.T, text string) []map[string]string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("not CSV with a header row (%v):\n%s", err, text)
	}
	var rows []map[string]string
	for _, r := range records[1:] {
		row := map[string]string{}
		for i, name := range records[0] {
			row[name] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}
