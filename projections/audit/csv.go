package audit

import (
	"encoding/csv"
	"fmt"
	"io"
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
// Rows go out through the csv.Writer's small buffer as they come, so an
// export streams end to end. Times are
// RFC 3339 in UTC; the operator's actor_id is empty; details is the JSON
// object; hash is the entry's chained hash in hex.
func WriteCSV(w io.Writer, source func(emit func(Entry) error) error) error {
	out := csv.NewWriter(w)
	if err := out.Write(CSVHeader); err != nil {
		return fmt.Errorf("audit: csv: %w", err)
	}
	err := source(func(e Entry) error { return out.Write(csvRow(e)) })
	out.Flush()
	if err == nil {
		err = out.Error()
	}
	if err != nil {
		return fmt.Errorf("audit: csv: %w", err)
	}
	return nil
}

func csvRow(e Entry) []string {
	var targetID, targetName string
	if e.Target != nil {
		targetID, targetName = string(e.Target.ID), e.Target.Name
	}
	return []string{e.Position, e.At.UTC().Format(time.RFC3339Nano), e.Action, string(e.Actor.ID), e.Actor.Name,
		targetID, targetName, e.Reason, string(e.Details), e.Hash}
}
