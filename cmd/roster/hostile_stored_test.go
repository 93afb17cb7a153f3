package main

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/audit"
)

// checkStored checks the accepted cases of one tenant against what is kept
// of them: every event of the tenant's stream, read back through the event
// store adapter, decodes and encodes again to what is stored, and the
// events hold each value; the audit trail, as the API's JSON and CSV and as
// the JSON Lines export, shows each value in its column (the CSV, as it
// shows text to spreadsheets: neutralised).
func (h *hostileRun) checkStored(t testing.TB, cases []*hostileCase) {
	t.Helper()
	tenant := cases[0].tenant
	inEvents := h.storedValues(t, tenant)
	trails := h.auditTrails(t, cases)
	for _, c := range cases {
		if c.field.stored && !c.keepsOneOf(inEvents) {
			t.Errorf("%s: accepted, but no event of tenant %q holds it", c, tenant)
		}
		for _, trail := range trails {
			if c.field.audit != "" && !c.shownIn(column(trail.rows, c.field.audit), trail.text) {
				t.Errorf("%s: accepted, but not in the %s column of the audit trail's %s", c, c.field.audit, trail.format)
			}
		}
	}
}

// keepsOneOf reports whether one of values keeps the case's value.
func (c *hostileCase) keepsOneOf(values []string) bool {
	return slices.ContainsFunc(values, c.keeps)
}

// shownIn reports whether one of a column's values shows the case's value
// as the trail's form shows text (nil: as it is): the reason and
// target_name columns hold the text; details hold JSON, which every form
// decodes to the values as they are.
func (c *hostileCase) shownIn(values []string, text func(string) string) bool {
	if text == nil || c.field.number || c.field.audit == "details" {
		return c.keepsOneOf(values)
	}
	return slices.ContainsFunc(values, func(v string) bool {
		return v == text(c.text) || (c.field.normalize != nil && v == text(c.field.normalize(c.text)))
	})
}

// storedValues reads the tenant's stream through the event store adapter
// (with personal data unsealed, as the commands read it), checks that each
// event round-trips through the domain's codec, and returns every string
// and number of the events' payloads and metadata.
func (h *hostileRun) storedValues(t testing.TB, tenant string) []string {
	t.Helper()
	const page = 1000
	stream := domain.TenantStream(domain.TenantID(tenant))
	var values []string
	for after := int64(0); ; {
		batch, err := h.svc.Sealed.ReadStream(bg, stream, after, page)
		if err != nil {
			t.Fatalf("read stream %q: %v", stream, err)
		}
		for _, rec := range batch {
			requireCodecRoundTrip(t, rec)
			values = append(values, leaves(decodeNumbers(t, string(rec.Payload)))...)
			values = append(values, leaves(decodeNumbers(t, string(rec.Metadata)))...)
		}
		if len(batch) < page {
			return values
		}
		after = batch[len(batch)-1].StreamVersion
	}
}

// requireCodecRoundTrip fails unless a stored event decodes into its domain
// event, and that encodes to the same JSON document.
func requireCodecRoundTrip(t testing.TB, rec eventstore.RecordedEvent) {
	t.Helper()
	e, err := domain.DecodeEvent(rec.Type, rec.SchemaVersion, rec.Payload)
	if err != nil {
		t.Errorf("stored %s %d does not decode: %v", rec.StreamID, rec.StreamVersion, err)
		return
	}
	again, err := domain.EncodeEvent(e)
	if err != nil {
		t.Errorf("stored %s %d decodes, but does not encode again: %v", rec.StreamID, rec.StreamVersion, err)
		return
	}
	if !reflect.DeepEqual(decodeNumbers(t, string(rec.Payload)), decodeNumbers(t, string(again))) {
		t.Errorf("stored %s %d encodes again otherwise:\nstored  %.500s\nencoded %.500s", rec.StreamID, rec.StreamVersion, rec.Payload, again)
	}
}

// auditRow is what an audit entry shows of the values written.
type auditRow struct {
	reason, targetName string
	details            []string
}

// column is a column of rows: "reason", "target_name" or "details" (every
// string and number of the details object).
func column(rows []auditRow, name string) []string {
	var values []string
	for _, r := range rows {
		switch name {
		case "reason":
			values = append(values, r.reason)
		case "target_name":
			values = append(values, r.targetName)
		case "details":
			values = append(values, r.details...)
		}
	}
	return values
}

// auditTrail is the audit trail in one of the forms it is exported in.
type auditTrail struct {
	format string
	rows   []auditRow
	// text is what the form shows of a text (nil: the text as written):
	// the CSV shows it neutralised for spreadsheets (audit.CSVCell).
	text func(string) string
}

// auditTrails reads the audit trail of the cases' tenant (theirs alone:
// a field's or a fuzz input's) in the three forms it is exported in; none
// if no case shows there.
func (h *hostileRun) auditTrails(t testing.TB, cases []*hostileCase) []auditTrail {
	t.Helper()
	shown := false
	for _, c := range cases {
		shown = shown || c.field.audit != ""
	}
	if !shown {
		return nil
	}
	r, path := h.reader(cases[len(cases)-1]), "/v1/tenants/"+url.PathEscape(cases[0].tenant)+"/audit"
	var entries []auditRow
	for _, entry := range r.list(t, path) { // first: it waits for the trail to reach the cases
		entries = append(entries, auditRowOf(entry))
	}
	// roster audit export refuses a tenant the tenants read model does not
	// know yet: wait for that read model too (the audit trail's wait covers
	// only the audit projector).
	tenantPath := "/v1/tenants/" + url.PathEscape(cases[0].tenant) + "?min_position=" + url.QueryEscape(r.position)
	if got := call(t, h.base, "GET", tenantPath, "op-token", nil); got.Status != http.StatusOK {
		t.Fatalf("GET %s answered %d: %s", tenantPath, got.Status, got.Raw)
	}
	return []auditTrail{
		{format: "JSON (GET …/audit)", rows: entries},
		{format: "CSV (GET …/audit?format=csv)", rows: h.auditCSV(t, path+"?format=csv&min_position="+url.QueryEscape(r.position)), text: audit.CSVCell},
		{format: "JSON Lines (roster audit export)", rows: h.auditJSONLines(t, cases[0].tenant)},
	}
}

// auditRowOf reads an AuditEntry.
func auditRowOf(entry any) auditRow {
	reason, _ := at(entry, "reason").(string)
	target, _ := at(entry, "target.name").(string)
	return auditRow{reason: reason, targetName: target, details: leaves(at(entry, "details"))}
}

// auditCSV reads the trail as the API's CSV, parsed with encoding/csv.
func (h *hostileRun) auditCSV(t testing.TB, path string) []auditRow {
	t.Helper()
	got := call(t, h.base, "GET", path, "op-token", nil)
	if got.Status != http.StatusOK {
		t.Fatalf("GET %s answered %d: %s", path, got.Status, got.Raw)
	}
	records, err := csv.NewReader(strings.NewReader(got.Raw)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("GET %s is not CSV with a header row: %v", path, err)
	}
	index := map[string]int{}
	for i, name := range records[0] {
		index[name] = i
	}
	var rows []auditRow
	for _, r := range records[1:] {
		rows = append(rows, auditRow{reason: r[index["reason"]], targetName: r[index["target_name"]],
			details: leaves(decodeNumbers(t, r[index["details"]]))})
	}
	return rows
}

// auditJSONLines reads the trail as `roster audit export --format jsonl`
// writes it (on the service's pool: opening the database is Run's part).
func (h *hostileRun) auditJSONLines(t testing.TB, tenant string) []auditRow {
	t.Helper()
	var out bytes.Buffer
	export := &auditExportCmd{Tenant: tenant, Format: "jsonl", stdout: &out}
	if err := export.exportFrom(bg, h.svc.Pool); err != nil {
		t.Fatalf("roster audit export --tenant %q --format jsonl: %v", tenant, err)
	}
	var rows []auditRow
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if line != "" {
			rows = append(rows, auditRowOf(decodeNumbers(t, line)))
		}
	}
	return rows
}
