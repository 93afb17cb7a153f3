package audit_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/projections/audit"
)

// csvOf writes entries as WriteCSV does and returns the text.
func csvOf(t *testing.T, entries ...audit.Entry) string {
	t.Helper()
	var out bytes.Buffer
	err := audit.WriteCSV(&out, func(emit func(audit.Entry) error) error {
		for _, e := range entries {
			if err := emit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// entryAbout is an entry whose actor is named actor, about a target named
// target, for reason.
func entryAbout(actor, target, reason string) audit.Entry {
	return audit.Entry{Position: "12-3", At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Action: "UserDeactivated",
		Actor: audit.Party{ID: "olga", Name: actor}, Target: &audit.Party{ID: "ann", Name: target}, Reason: reason,
		Details: json.RawMessage(`{"team":"red"}`), Hash: strings.Repeat("ab", 32)}
}

// The findings of issue 14: a name or a reason that a spreadsheet would run
// as a formula goes into the CSV with a single quote before it, as OWASP's
// "CSV Injection" page recommends, for every character that starts a
// formula (= + - @, tab and carriage return); other cells are as they were.
func TestCSVCellsASpreadsheetWouldRunAsAFormulaStartWithASingleQuote(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, value, want string }{
		{"hyperlink_in_a_name", `=HYPERLINK("http://evil.example","click")`, `'=HYPERLINK("http://evil.example","click")`},
		{"dde_in_a_reason", `=cmd|' /C calc'!A0`, `'=cmd|' /C calc'!A0`},
		{"plus", "+1+1", "'+1+1"},
		{"minus", "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"at", "@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
		{"tab", "\t=1+1", `'\t=1+1`},
		{"carriage_return", "\r=1+1", `'\r=1+1`},
		{"harmless", "Ann Agent", "Ann Agent"},
		{"formula_character_inside", "a=b+c-d@e", "a=b+c-d@e"},
		{"empty", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			records, err := csv.NewReader(strings.NewReader(csvOf(t, entryAbout(c.value, c.value, c.value)))).ReadAll()
			if err != nil || len(records) != 2 {
				t.Fatalf("%d records (%v)", len(records), err)
			}
			row := records[1]
			if row[4] != c.want || row[6] != c.want || row[7] != c.want {
				t.Errorf("actor_name %q, target_name %q, reason %q; want each %q", row[4], row[6], row[7], c.want)
			}
			if row[0] != "12-3" || row[2] != "UserDeactivated" || row[8] != `{"team":"red"}` {
				t.Errorf("the other cells changed: %q", row)
			}
		})
	}
}

// Control characters never reach the CSV as they are: tab, line feed and
// carriage return read \t, \n and \r, any other (C0, DEL, C1) \u00XX, so
// that every entry is one line and no escape sequence reaches a terminal.
// Every cell is quoted, so that a separator (a comma, or the semicolon of
// locales that use it) never starts a new cell.
func TestCSVEscapesControlCharactersAndQuotesEveryCell(t *testing.T) {
	t.Parallel()
	text := csvOf(t, entryAbout("Olga\x1b[31m", "Ann\u009bX", "left\r\nthe company;=1+1\tnow\x7f"))
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want a header and one row:\n%s", len(lines), text)
	}
	want := `"12-3","2025-03-01T09:00:00Z","UserDeactivated","olga","Olga\u001b[31m","ann","Ann\u009bX",` +
		`"left\r\nthe company;=1+1\tnow\u007f","{""team"":""red""}","` + strings.Repeat("ab", 32) + `"`
	if lines[1] != want {
		t.Errorf("the row is\n%s\nwant\n%s", lines[1], want)
	}
	if lines[0] != `"position","at","action","actor_id","actor_name","target_id","target_name","reason","details","hash"` {
		t.Errorf("the header is %s", lines[0])
	}
}

// The details cell stays a JSON document that decodes to the entry's
// details, whatever its strings hold.
func TestTheCSVDetailsCellDecodesToTheDetails(t *testing.T) {
	t.Parallel()
	e := entryAbout("Olga", "Ann", "")
	e.Details = json.RawMessage("{\"name\":\"=1+1 \u0085 \x7f \\\"q\\\" \\\\ \\n\"}")
	records, err := csv.NewReader(strings.NewReader(csvOf(t, e))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(records[1][8]), &got); err != nil {
		t.Fatalf("the details cell %q is not JSON: %v", records[1][8], err)
	}
	_ = json.Unmarshal(e.Details, &want)
	if got["name"] != want["name"] {
		t.Errorf("the details cell decodes to %q, want %q", got["name"], want["name"])
	}
}
