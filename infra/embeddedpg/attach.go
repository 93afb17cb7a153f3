package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotRunning is returned by Attach when no server runs on the Dir.
var ErrNotRunning = errors.New("embeddedpg: no server runs on this folder")

// portFile is where a started server records its port, beside its
// password, for the processes that Attach to it.
const portFile = "port"

// recordPort writes the port for Attach (0600, like the password).
func (s *Server) recordPort() error {
	return writeFileAtomic(filepath.Join(s.dir, portFile), []byte(strconv.Itoa(s.port)+"\n"))
}

// Attach returns the server another process started on opts.Dir and still
// runs (it holds the folder's lock): the operator's tools run beside
// `make run` on its database instead of refusing. Its Stop does nothing:
// the server belongs to the process that started it. ErrNotRunning when
// no server runs there.
func Attach(ctx context.Context, opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	if !locked(s.dir) {
		return nil, fmt.Errorf("%w: %s", ErrNotRunning, s.dir)
	}
	if s.password, err = readTrimmed(filepath.Join(s.dir, "password")); err != nil {
		return nil, err
	}
	port, err := readTrimmed(filepath.Join(s.dir, portFile))
	if err == nil {
		s.port, err = strconv.Atoi(port)
	}
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: the running server's port: %w", err)
	}
	s.attached, s.stopped = true, true
	if err := s.pingAttached(ctx); err != nil {
		return nil, fmt.Errorf("embeddedpg: the server running on %s does not answer: %w", s.dir, err)
	}
	return s, nil
}

// locked reports whether another process holds dir's lock.
func locked(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "lock"))
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB), syscall.EWOULDBLOCK)
}

func readTrimmed(path string) (string, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("embeddedpg: %w", err)
	}
	return strings.TrimSpace(string(body)), nil
}
