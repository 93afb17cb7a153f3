package embeddedpg

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// logTailLines is how much of the server log an error quotes.
const logTailLines = 20

// openLog opens Dir/postgres.log for appending; initdb and postgres write
// to it through inherited descriptors, so the server user needs no access
// to Dir. It is still handed to that user so that it owns its own output.
func (s *Server) openLog(a account) error {
	f, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("embeddedpg: server log: %w", err)
	}
	if err := a.chown(s.logPath); err != nil {
		f.Close()
		return fmt.Errorf("embeddedpg: server log: %w", err)
	}
	s.logFile = f
	return nil
}

func (s *Server) closeLog() {
	if s.logFile != nil {
		s.logFile.Close()
		s.logFile = nil
	}
}

// markLog writes a separator line and returns the log size after it, so
// that an error quotes only what the current step wrote.
func (s *Server) markLog(what string) int64 {
	fmt.Fprintf(s.logFile, "--- embeddedpg %s: %s\n", time.Now().Format(time.RFC3339), what)
	fi, err := s.logFile.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logTail returns the last lines written to the log since offset from,
// formatted to be appended to an error.
func (s *Server) logTail(from int64) string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size()-from > window {
		from = fi.Size() - window
	}
	body, err := io.ReadAll(io.NewSectionReader(f, from, window))
	text := strings.TrimSpace(string(body))
	if err != nil || text == "" {
		return "\n(nothing in " + s.logPath + ")"
	}
	lines := strings.Split(text, "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return "\n--- last lines of " + s.logPath + " ---\n" + strings.Join(lines, "\n")
}
