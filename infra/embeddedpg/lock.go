package embeddedpg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// acquireLock takes an exclusive flock on dir/lock for the server's life.
// flock (not a pid file) is used because the kernel drops it when the
// holder dies, even by SIGKILL, so a crash never leaves the folder locked.
// The file is opened close-on-exec, so the postgres child does not inherit
// the lock and keep it after we are gone.
func acquireLock(dir string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: lock: %w", err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		holder := lockHolder(f)
		f.Close()
		return nil, fmt.Errorf("embeddedpg: %s is in use by another server%s (lock %s is held)", dir, holder, path)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("embeddedpg: lock %s: %w", path, err)
	}
	// The pid is only a hint for the error message of the next contender.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// lockHolder reads the pid hint written by the holder, if any.
func lockHolder(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return ""
	}
	return fmt.Sprintf(" (pid %d)", pid)
}

// releaseLock closes the lock file, which drops the flock.
func releaseLock(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}
