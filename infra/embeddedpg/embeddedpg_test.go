package embeddedpg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// helperDirEnv switches the test binary into TestHelperProcess mode.
const helperDirEnv = "EMBEDDEDPG_HELPER_DIR"

// testDir returns a fresh, existing Dir that is 0700 like those of
// os.MkdirTemp, so Start must open it to the server user itself. The
// folder above it (t.TempDir's per-test folder, also 0700) is opened here
// so that tests exercise the normal layout and leave nothing in /tmp.
func testDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chmod(filepath.Dir(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// startServer starts a server and stops it at the end of the test.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

func connect(t *testing.T, s *Server, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.URL(db))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func setting(t *testing.T, conn *pgx.Conn, name string) string {
	t.Helper()
	var v string
	if err := conn.QueryRow(context.Background(), "SELECT current_setting($1)", name).Scan(&v); err != nil {
		t.Fatalf("setting %s: %v", name, err)
	}
	return v
}

// waitGone fails the test unless pid disappears within a deadline.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !pollUntil(ctx, 20*time.Millisecond, func() bool { return !alive(pid) }) {
		t.Fatalf("process %d still alive", pid)
	}
}

// postmasters lists live processes whose command line names data: only
// postmasters keep their original argv, backends retitle themselves.
func postmasters(t *testing.T, data string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && slices.Contains(strings.Split(string(cmdline), "\x00"), data) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestStartQueryStop(t *testing.T) {
	dir := testDir(t)
	s := startServer(t, Options{Dir: dir, MaxConnections: 42})
	if s.dataDir != filepath.Join(dir, "data") {
		t.Errorf("data folder %s, want it inside the 0700 Dir %s", s.dataDir, dir)
	}
	conn := connect(t, s, "postgres")
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	for name, want := range map[string]string{"fsync": "off", "full_page_writes": "off",
		"synchronous_commit": "off", "max_connections": "42", "listen_addresses": "127.0.0.1"} {
		if got := setting(t, conn, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	conn.Close(context.Background())
	pid := s.proc.pid()
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	waitGone(t, pid)
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	lock, err := acquireLock(s.dir)
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	releaseLock(lock)
}

func TestDurableKeepsFsync(t *testing.T) {
	s := startServer(t, Options{Dir: testDir(t), Durable: true})
	if got := setting(t, connect(t, s, "postgres"), "fsync"); got != "on" {
		t.Errorf("fsync = %q, want on", got)
	}
}

func TestRestartReusesDataAndPassword(t *testing.T) {
	dir := testDir(t)
	began := time.Now()
	s1 := startServer(t, Options{Dir: dir})
	cold := time.Since(began)
	if !s1.initialised {
		t.Fatal("first Start did not run initdb")
	}
	if _, err := connect(t, s1, "postgres").Exec(context.Background(), "CREATE TABLE kept (n int)"); err != nil {
		t.Fatal(err)
	}
	if err := s1.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	began = time.Now()
	s2 := startServer(t, Options{Dir: dir})
	warm := time.Since(began)
	t.Logf("cold start (initdb + start) %v, warm start %v", cold, warm)
	if s2.initialised || s2.password != s1.password {
		t.Fatalf("second Start re-initialised: initdb=%v samePassword=%v", s2.initialised, s2.password == s1.password)
	}
	if _, err := connect(t, s2, "postgres").Exec(context.Background(), "SELECT * FROM kept"); err != nil {
		t.Fatalf("data not kept: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "password"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v, %v", fi, err)
	}
}

// A server restarted on its port serves the URL its clients already hold:
// what a test of an outage needs, with pools that outlive the restart.
func TestARestartOnTheSamePortKeepsTheURL(t *testing.T) {
	dir := testDir(t)
	s1 := startServer(t, Options{Dir: dir})
	url := s1.URL("postgres")
	if err := s1.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	s2 := startServer(t, Options{Dir: dir, Port: s1.Port()})
	if s2.Port() != s1.Port() || s2.URL("postgres") != url {
		t.Fatalf("restarted on port %d (%s), want %d (%s)", s2.Port(), s2.URL("postgres"), s1.Port(), url)
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("the first URL after the restart: %v", err)
	}
	conn.Close(context.Background())
}

func TestAFixedPortThatIsTakenFailsTheStart(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	s, err := Start(context.Background(), Options{Dir: testDir(t), Port: port, Logger: testLogger(t)})
	if err == nil {
		_ = s.Stop(context.Background())
		t.Fatalf("Start on the taken port %d succeeded on port %d", port, s.Port())
	}
}

func TestSecondStartOnSameDirFails(t *testing.T) {
	dir := testDir(t)
	startServer(t, Options{Dir: dir})
	s, err := Start(context.Background(), Options{Dir: dir})
	if err == nil {
		_ = s.Stop(context.Background())
		t.Fatal("second Start succeeded")
	}
	if !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("unexpected error: %v", err)
	}
}

// TestHelperProcess is not a test: it runs a server in a child process of
// TestKilledOwner, which SIGKILLs it. It exits when its stdin closes.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		return // not started as TestKilledOwner's child: nothing to do
	}
	s, err := Start(context.Background(), Options{Dir: dir})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Printf("READY %d\n", s.proc.pid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = s.Stop(context.Background())
}

// runKilledOwner starts a server in a helper process, SIGKILLs the helper
// and returns the postmaster pid it reported.
func runKilledOwner(t *testing.T, dir string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // held open: the helper runs until killed
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "READY ")))
	if err != nil || perr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper: %q %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	return pid
}

func TestKilledOwner(t *testing.T) {
	dir := testDir(t)
	old := runKilledOwner(t, dir)
	t.Logf("old postmaster %d alive right after its owner was killed: %v", old, alive(old))
	s := startServer(t, Options{Dir: dir})
	if alive(old) {
		t.Errorf("old postmaster %d still alive", old)
	}
	if got := postmasters(t, s.dataDir); !slices.Equal(got, []int{s.proc.pid()}) {
		t.Errorf("postmasters on %s = %v, want [%d]", s.dataDir, got, s.proc.pid())
	}
	connect(t, s, "postgres")
}

// TestLeftoverServerIsStopped covers an orphan that Pdeathsig did not stop:
// a server started without it, as by an older build or by hand.
func TestLeftoverServerIsStopped(t *testing.T) {
	dir := testDir(t)
	s := startServer(t, Options{Dir: dir})
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	orphan := startOrphan(t, s)
	s2 := startServer(t, Options{Dir: dir})
	select {
	case <-orphan:
	case <-time.After(30 * time.Second):
		t.Fatal("leftover server still running")
	}
	if got := postmasters(t, s2.dataDir); !slices.Equal(got, []int{s2.proc.pid()}) {
		t.Errorf("postmasters = %v, want [%d]", got, s2.proc.pid())
	}
}

// startOrphan runs postgres on s's data folder without Pdeathsig and waits
// until it is ready; the channel closes when it exits.
func startOrphan(t *testing.T, s *Server) <-chan struct{} {
	t.Helper()
	a, err := serverAccount()
	if err != nil {
		t.Fatal(err)
	}
	bins, err := FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.openLog(a); err != nil {
		t.Fatal(err)
	}
	defer s.closeLog()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := s.postgresCmd(bins, a, port)
	cmd.SysProcAttr.Pdeathsig = 0
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	s.port = port
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !pollUntil(ctx, 50*time.Millisecond, func() bool { return s.ping(ctx) == nil }) {
		t.Fatal("orphan server not ready")
	}
	return done
}

func TestPortTakenIsRetried(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	real := freePort
	t.Cleanup(func() { freePort = real })
	calls := 0
	freePort = func() (int, error) {
		calls++
		if calls == 1 {
			return busy.Addr().(*net.TCPAddr).Port, nil
		}
		return real()
	}
	s := startServer(t, Options{Dir: testDir(t)})
	if calls < 2 || s.port == busy.Addr().(*net.TCPAddr).Port {
		t.Fatalf("port not retried: calls=%d port=%d", calls, s.port)
	}
	connect(t, s, "postgres")
}

func TestUnreachableDirFallsBackToTempDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")
	blocker := filepath.Dir(filepath.Dir(dir)) // t.TempDir's per-test folder, 0700
	if fi, err := os.Stat(blocker); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("expected %s to be 0700: %v %v", blocker, fi, err)
	}
	if os.Geteuid() != 0 { // the server runs as us: the folder is reachable, no fallback
		if s := startServer(t, Options{Dir: dir}); filepath.Dir(s.dataDir) != dir {
			t.Fatalf("data folder %s, want it inside %s", s.dataDir, dir)
		}
		return
	}
	s := startServer(t, Options{Dir: dir})
	base := filepath.Dir(s.dataDir)
	t.Cleanup(func() { // the fallback folder outlives t.TempDir: stop first, then remove it
		_ = s.Stop(context.Background())
		os.RemoveAll(base)
	})
	if !strings.HasPrefix(base, filepath.Join(os.TempDir(), "roster-pg-")) {
		t.Fatalf("data folder %s not under the temp folder", s.dataDir)
	}
	if fi, err := os.Stat(blocker); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("Start changed the mode of %s: %v %v", blocker, fi, err)
	}
	connect(t, s, "postgres")
}

func TestFailedStartQuotesServerLog(t *testing.T) {
	dir := testDir(t)
	s := startServer(t, Options{Dir: dir})
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	conf, err := os.OpenFile(filepath.Join(s.dataDir, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conf.WriteString("no_such_setting = 1\n")
	conf.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "no_such_setting") || !strings.Contains(err.Error(), "postgres.log") {
		t.Fatalf("error does not quote the server log: %v", err)
	}
	t.Logf("error as reported:\n%v", err)
	lock, err := acquireLock(dir)
	if err != nil {
		t.Fatalf("failed Start kept the lock: %v", err)
	}
	releaseLock(lock)
}

func TestFindBinaries(t *testing.T) {
	b, err := FindBinaries()
	if err != nil {
		t.Fatalf("make test installs PostgreSQL; its binaries are missing: %v", err)
	}
	if !filepath.IsAbs(b.Initdb) || !filepath.IsAbs(b.Postgres) {
		t.Errorf("not absolute: %+v", b)
	}
}

func TestFindBinariesPicksHighestVersion(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "10", "16", "notaversion"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "postgres"} {
			if v == "16" && name == "postgres" {
				continue // incomplete installation: must be skipped
			}
			if err := os.WriteFile(filepath.Join(bin, name), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, ok := fromSearchRoot(root)
	if want := filepath.Join(root, "10", "bin", "postgres"); !ok || b.Postgres != want {
		t.Fatalf("got %+v %v, want %s", b, ok, want)
	}
}

func TestFindBinariesMissing(t *testing.T) {
	t.Setenv("PATH", "")
	old := searchRoot
	searchRoot = filepath.Join(t.TempDir(), "absent")
	t.Cleanup(func() { searchRoot = old })
	_, err := FindBinaries()
	want := "PostgreSQL server binaries not found (initdb, postgres): install them with `apt-get install -y postgresql` or set ROSTER_DATABASE_URL"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v", err)
	}
	if _, err := Start(context.Background(), Options{Dir: t.TempDir()}); !errors.Is(err, errNoBinaries) {
		t.Fatalf("Start error = %v", err)
	}
}
