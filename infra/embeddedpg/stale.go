package embeddedpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopStale stops a server still running on data, typically the orphan of
// an earlier run that was killed before the kernel's SIGINT took effect.
// It is called with the folder lock held, so no live owner of that server
// can exist. A pid file naming a dead process is left for postgres, which
// recognises and replaces stale pid files itself.
func stopStale(ctx context.Context, data string, log *slog.Logger) error {
	pid, ok := postmasterPID(data)
	if !ok || !alive(pid) || !servesData(pid, data) {
		return nil
	}
	log.Warn("embeddedpg: stopping a server left running by an earlier process", "pid", pid, "data", data)
	signal := func(sig syscall.Signal) error { return syscall.Kill(pid, sig) }
	exited := func(ctx context.Context) bool {
		return pollUntil(ctx, 50*time.Millisecond, func() bool { return !alive(pid) })
	}
	if err := escalate(ctx, signal, exited); err != nil {
		return fmt.Errorf("embeddedpg: stop leftover server pid %d: %w", pid, err)
	}
	return nil
}

// postmasterPID reads the first line of data/postmaster.pid.
func postmasterPID(data string) (int, bool) {
	body, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(body), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return pid, err == nil && pid > 0
}

// alive reports whether pid is a running process. A zombie counts as dead:
// an orphan is reaped by whatever runs as pid 1, and in containers that may
// never happen, which would otherwise make us wait for nothing.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// servesData guards against pid reuse: we only signal a process whose
// working folder (the postmaster chdirs into its data folder) or command
// line is this data folder.
func servesData(pid int, data string) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	if cwd, err := os.Readlink(proc + "/cwd"); err == nil {
		if real, err := filepath.EvalSymlinks(data); err == nil && cwd == real {
			return true
		}
	}
	cmdline, err := os.ReadFile(proc + "/cmdline")
	if err != nil {
		return false
	}
	for _, arg := range strings.Split(string(cmdline), "\x00") {
		if arg == data {
			return true
		}
	}
	return false
}
