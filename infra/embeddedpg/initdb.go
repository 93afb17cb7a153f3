package embeddedpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// superuser is the role initdb creates; callers connect as it.
const superuser = "roster"

// ensureCluster returns the superuser password, running initdb first when
// the data folder has never been initialised (initdb reports whether it
// ran). The password is saved before initdb runs, so a crash in between
// can never leave a cluster whose password is lost; a failed initdb just
// gets a fresh password on the next attempt.
func (s *Server) ensureCluster(ctx context.Context, bins Binaries, a account) (string, bool, error) {
	pwPath := filepath.Join(s.dir, "password")
	if isInitialised(s.dataDir) {
		pw, err := os.ReadFile(pwPath)
		if err != nil {
			return "", false, fmt.Errorf("embeddedpg: %s is initialised but its password is unreadable: %w", s.dataDir, err)
		}
		return strings.TrimSpace(string(pw)), false, nil
	}
	pw, err := newPassword()
	if err != nil {
		return "", false, err
	}
	if err := writeFileAtomic(pwPath, []byte(pw+"\n")); err != nil {
		return "", false, fmt.Errorf("embeddedpg: save password: %w", err)
	}
	if err := s.initdb(ctx, bins, a, pw); err != nil {
		return "", false, err
	}
	return pw, true, nil
}

// newPassword returns 192 random bits as hex, which needs no escaping in
// URLs or in the pwfile.
func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("embeddedpg: password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// writeFileAtomic writes a 0600 file owned by the calling user via rename,
// so a reader never sees half a password.
func writeFileAtomic(path string, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	_, werr := tmp.Write(body)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// initdb creates the cluster with the "roster" superuser, scram-sha-256 for
// every connection and the C locale (deterministic sorting in tests, no
// dependence on the machine's locales). Its output goes to the server log.
func (s *Server) initdb(ctx context.Context, bins Binaries, a account, pw string) error {
	pwfile, err := s.writePwfile(a, pw)
	if err != nil {
		return err
	}
	defer os.Remove(pwfile) // the password must not linger in a file the server user can read
	args := []string{"-D", s.dataDir, "-U", superuser, "-E", "UTF8", "--locale=C",
		"--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--pwfile=" + pwfile}
	if !s.opts.Durable {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, bins.Initdb, args...)
	// On cancellation send SIGINT, on which initdb removes what it created;
	// SIGKILL would leave a half-made folder that blocks every later initdb.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 10 * time.Second
	s.configure(cmd, a, filepath.Dir(s.dataDir))
	s.log.Info("embeddedpg: initialising data folder", "data", s.dataDir)
	off := s.markLog("running initdb")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("embeddedpg: initdb: %w%s", err, s.logTail(off))
	}
	return nil
}

// writePwfile puts the password in a file initdb can read as the server
// user: next to the data folder, which that user is known to reach (the
// system temp folder may not be, e.g. with a private TMPDIR).
func (s *Server) writePwfile(a account, pw string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(s.dataDir), ".pwfile-*")
	if err != nil {
		return "", fmt.Errorf("embeddedpg: initdb: pwfile: %w", err)
	}
	_, werr := f.WriteString(pw + "\n")
	err = errors.Join(werr, f.Close(), a.chown(f.Name()))
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("embeddedpg: initdb: pwfile: %w", err)
	}
	return f.Name(), nil
}

// configure sets what initdb and postgres have in common: identity,
// working folder, environment and output to the server log.
func (s *Server) configure(cmd *exec.Cmd, a account, dir string) {
	cmd.Dir = dir // our own working folder may be unreachable for the server user
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = s.logFile, s.logFile
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = a.cred
}

// serverEnv drops PG* variables (PGDATA, PGPORT, PGOPTIONS...), which would
// otherwise let the caller's shell reconfigure the private server.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// isInitialised reports whether initdb has completed on data (PG_VERSION
// is among the last files it writes; a failed initdb removes it again).
func isInitialised(data string) bool {
	_, err := os.Stat(filepath.Join(data, "PG_VERSION"))
	return !errors.Is(err, fs.ErrNotExist)
}
