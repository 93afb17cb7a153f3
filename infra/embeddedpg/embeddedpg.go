package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Options configures a private PostgreSQL server.
type Options struct {
	// Dir is the folder that holds everything of this server: the data
	// folder in Dir/data, the server log in Dir/postgres.log, the lock file
	// Dir/lock and the superuser password in Dir/password. It is created if
	// absent. When running as root and the server user cannot reach Dir,
	// the data folder moves to os.TempDir()/roster-pg-<hash of Dir>/data.
	Dir string
	// Durable false turns off fsync, full_page_writes and
	// synchronous_commit: a crash of the machine may then corrupt the
	// data, so it is for tests only.
	Durable bool
	// MaxConnections is the server's max_connections (default 100).
	MaxConnections int
	// Port is the 127.0.0.1 port to listen on; 0 picks a free one. A fixed
	// port lets a restarted server keep the URL its clients already hold
	// (a test of a database outage stops and starts it under live pools);
	// Start then fails rather than move elsewhere when the port is taken.
	Port int
	// Logger receives start and stop lines (nil discards them). The
	// password is never logged.
	Logger *slog.Logger
}

// Server is a running private PostgreSQL. Its methods are safe for
// concurrent use.
type Server struct {
	opts        Options
	log         *slog.Logger
	dir         string // absolute Options.Dir
	dataDir     string
	logPath     string
	logFile     *os.File // open only during Start
	password    string
	port        int
	lock        *os.File
	proc        *child
	initialised bool // whether this Start ran initdb
	attached    bool // found running by Attach: another process's server

	mu      sync.Mutex
	stopped bool
	stopErr error
}

// Start finds the binaries, initialises the data folder on first use and
// starts the server on a free 127.0.0.1 port. It returns once the server
// accepts connections, or fails within about a minute (or when ctx ends)
// with an error that includes the tail of the server log. The caller must
// call Stop; should the caller die instead, the kernel asks the server to
// shut down, and a server left behind anyway is stopped by the next Start
// on the same Dir. A second Start on a Dir in use fails at once.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bins, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	a, err := serverAccount()
	if err != nil {
		return nil, err
	}
	if err := ensureDir(s.dir, a); err != nil {
		return nil, err
	}
	if s.lock, err = acquireLock(s.dir); err != nil {
		return nil, err
	}
	began := time.Now()
	if err := s.boot(ctx, bins, a); err != nil {
		_ = releaseLock(s.lock)
		return nil, err
	}
	if err := s.recordPort(); err != nil {
		_ = s.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	s.log.Info("embeddedpg: started", "dir", s.dir, "data", s.dataDir, "port", s.port,
		"pid", s.proc.pid(), "user", a.name, "initdb", s.initialised, "elapsed", time.Since(began).Round(time.Millisecond))
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("embeddedpg: Options.Dir is empty")
	}
	if opts.MaxConnections <= 0 {
		opts.MaxConnections = 100
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: %w", err)
	}
	return &Server{opts: opts, log: log, dir: dir, logPath: filepath.Join(dir, "postgres.log")}, nil
}

// ensureDir creates Dir. When a separate server user must pass through Dir
// to reach Dir/data, an existing Dir of ours is also opened for traversal
// (not listing): callers often pass os.MkdirTemp folders, which are 0700,
// and would otherwise push the data out to the temp-folder fallback, which
// nobody removes.
func ensureDir(dir string, a account) error {
	mode := os.FileMode(0o700)
	if a.cred != nil {
		mode = 0o711
	}
	if err := os.MkdirAll(dir, mode); err != nil {
		return fmt.Errorf("embeddedpg: create %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("embeddedpg: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if a.cred == nil || a.canSearch(fi) || !ok || int(st.Uid) != os.Geteuid() {
		return nil
	}
	if err := os.Chmod(dir, fi.Mode().Perm()|0o011); err != nil {
		return fmt.Errorf("embeddedpg: open %s to user %s: %w", dir, a.name, err)
	}
	return nil
}

// boot does everything between taking the lock and a ready server.
func (s *Server) boot(ctx context.Context, bins Binaries, a account) error {
	var err error
	if s.dataDir, err = dataDirFor(s.dir, a, s.log); err != nil {
		return err
	}
	if err := s.openLog(a); err != nil {
		return err
	}
	defer s.closeLog() // the server keeps its own descriptor
	if err := stopStale(ctx, s.dataDir, s.log); err != nil {
		return err
	}
	if err := prepareDataDir(s.dataDir, a); err != nil {
		return err
	}
	if s.password, s.initialised, err = s.ensureCluster(ctx, bins, a); err != nil {
		return err
	}
	return s.launch(ctx, bins, a)
}

// URL returns a postgres:// URL for database, with the superuser's
// credentials, 127.0.0.1:port and sslmode=disable. The URL contains the
// password: do not log it.
func (s *Server) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, s.password),
		Host:     "127.0.0.1:" + strconv.Itoa(s.port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the port the server listens on, for a later Start of the
// same Dir on the same port (Options.Port).
func (s *Server) Port() int { return s.port }

// Stop shuts the server down: fast shutdown (SIGINT), then immediate
// (SIGQUIT) after 20 s, then SIGKILL after 5 s more; an ended ctx
// escalates at once. It returns once the process is gone (or SIGKILL did
// not help within 5 s) and always releases the lock. Later calls return
// the first call's result.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return s.stopErr
	}
	s.stopped = true
	began := time.Now()
	err := s.proc.stop(ctx)
	if err != nil {
		err = fmt.Errorf("embeddedpg: stop pid %d: %w", s.proc.pid(), err)
	}
	s.stopErr = errors.Join(err, releaseLock(s.lock))
	s.log.Info("embeddedpg: stopped", "dir", s.dir, "pid", s.proc.pid(), "elapsed", time.Since(began).Round(time.Millisecond))
	return s.stopErr
}
