package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSONL writes one JSON object per line (JSON Lines), in the API's
// AuditEntry shape, for each entry that source emits (see WriteCSV). Lines
// go out through a small buffer as they come, so an export streams end to
// end with flat memory.
func WriteJSONL(w io.Writer, source func(emit func(Entry) error) error) error {
	out := bufio.NewWriter(w)
	encoder := json.NewEncoder(out) // Encode ends each value with a newline
	encoder.SetEscapeHTML(false)
	err := source(func(e Entry) error { return encoder.Encode(e) })
	if flushErr := out.Flush(); err == nil {
		err = flushErr
	}
	if err != nil {
		return fmt.Errorf("audit: jsonl: %w", err)
	}
	return nil
}
