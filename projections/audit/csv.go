package audit

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{"position", "at", "action", "actor_id", "actor_name", "target_id", "target_name", "reason", "details", "hash"}

// WriteCSV writes the header row, then one row per entry that source emits,
// to w. source is any producer of entries — Export, or a loop over a page:
//
//	audit.WriteCSV(w, func(emit func(audit.Entry) error) error {
//		return audit.Export(ctx, pool, filter, emit)
//	})
//
// Rows go out through a small buffer as they come, so an export streams
// end to end. Times are RFC 3339 in UTC; the operator's actor_id is empty;
// details is the JSON object; hash is the entry's chained hash in hex.
//
// The CSV is made to be opened in a spreadsheet, safely: every cell is as
// CSVCell renders it (formulas neutralised, control characters escaped, so
// each entry is one line ending in "\n") and every cell is quoted (RFC
// 4180), so that no separator — a comma, or the semicolon of the locales
// that use it — starts a new cell. The exact values are in the JSON forms.
func WriteCSV(w io.Writer, source func(emit func(Entry) error) error) error {
	out := bufio.NewWriter(w)
	err := writeCSVRow(out, CSVHeader)
	if err == nil {
		err = source(func(e Entry) error { return writeCSVRow(out, csvRow(e)) })
	}
	if flushErr := out.Flush(); err == nil {
		err = flushErr
	}
	if err != nil {
		return fmt.Errorf("audit: csv: %w", err)
	}
	return nil
}

// writeCSVRow writes cells as one line, each cell CSVCell'd and quoted.
// (encoding/csv quotes only cells holding a comma, a quote or a line break,
// and has no option to quote them all.)
func writeCSVRow(out *bufio.Writer, cells []string) error {
	for i, cell := range cells {
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteByte('"')
		out.WriteString(strings.ReplaceAll(CSVCell(cell), `"`, `""`))
		out.WriteByte('"')
	}
	return out.WriteByte('\n')
}

func csvRow(e Entry) []string {
	var targetID, targetName string
	if e.Target != nil {
		targetID, targetName = string(e.Target.ID), e.Target.Name
	}
	return []string{e.Position, e.At.UTC().Format(time.RFC3339Nano), e.Action, string(e.Actor.ID), e.Actor.Name,
		targetID, targetName, e.Reason, string(e.Details), e.Hash}
}

// formulaStarts are the first characters that make a spreadsheet take a
// cell for a formula (OWASP, "CSV Injection"): = + - @, tab and carriage
// return.
const formulaStarts = "=+-@\t\r"

// CSVCell is what the audit CSV shows of value: neutralised as OWASP's
// "CSV Injection" page recommends — a value a spreadsheet would run as a
// formula (one that starts with = + - @, a tab or a carriage return) gets a
// single quote in front, which spreadsheets read as "this cell is text" —
// and its control characters escaped, so that no line break splits an entry
// and no escape sequence reaches a terminal: tab, line feed and carriage
// return as \t, \n and \r, every other C0 control, DEL and C1 control as
// \u00XX. Everything else, backslashes included, is kept as it is (the CSV
// is for reading; the exact values are in the JSON forms). A JSON document
// (the details) stays one that decodes to the same value: JSON has no raw
// control character in its strings, and \u00XX is JSON's own escape.
func CSVCell(value string) string {
	if value != "" && strings.ContainsRune(formulaStarts, rune(value[0])) {
		value = "'" + value
	}
	if !strings.ContainsFunc(value, isControl) {
		return value
	}
	var b strings.Builder
	for _, r := range value {
		switch {
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case isControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isControl reports whether r is a C0 control, DEL or a C1 control.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }
