package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/pgtest"
)

// execMainEnv makes the test binary behave as the roster binary, so that the
// tests below run the real command line in a real process.
const execMainEnv = "ROSTER_TEST_EXEC_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(execMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(pgtest.Main(m))
}

// roster returns the command line `roster args...` as a child process.
func roster(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(withoutRosterEnv(), execMainEnv+"=1")
	return cmd
}

func withoutRosterEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROSTER_") {
			env = append(env, kv)
		}
	}
	return env
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitForLine reads r until a line contains want, failing after limit.
func waitForLine(t *testing.T, r io.Reader, want string, limit time.Duration) {
	found := make(chan bool, 1)
	go func() {
		scanner := bufio.NewScanner(r)
		for scanner.Scan() {
			if strings.Contains(scanner.Text(), want) {
				found <- true
				_, _ = io.Copy(io.Discard, r) // keep draining so the child never blocks on stderr
				return
			}
		}
		found <- false
	}()
	select {
	case ok := <-found:
		if !ok {
			t.Fatalf("the output ended without %q", want)
		}
	case <-time.After(limit):
		t.Fatalf("no %q within %s", want, limit)
	}
}

// dataDir is a throw-away --data-dir. MkdirTemp makes 0700 folders; as
// root, the server's user must pass through to reach its data folder (else
// embeddedpg falls back to another).
func dataDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "roster-serve-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestServeWithTheEmbeddedDatabaseIsReadyAndLeavesNoServerBehind(t *testing.T) {
	dir := dataDir(t)
	addr := freeAddr(t)
	cmd, token := runServe(t, dir, addr)
	checkOperatorEndpoints(t, addr, token)

	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz answered %d", resp.StatusCode)
	}
	postgres := postmasterPID(t, filepath.Join(dir, "postgres", "data"))

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("roster exited with %v after SIGINT, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("roster did not exit within 30 s of SIGINT")
	}
	if err := syscall.Kill(postgres, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("postgres (pid %d) is still there after roster exited (kill -0: %v)", postgres, err)
	}
}

// readToken reads the dev-mode operator token serve prints on stdout.
func readToken(t *testing.T, stdout io.Reader) string {
	line, err := bufio.NewReader(stdout).ReadString('\n')
	_, token, ok := strings.Cut(strings.TrimSpace(line), "): ")
	if err != nil || !ok || token == "" {
		t.Fatalf("no operator token on stdout: %q (%v)", line, err)
	}
	return token
}

func get(t *testing.T, url, token string) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func checkOperatorEndpoints(t *testing.T, addr, token string) {
	for _, bad := range []string{"", "not-the-token"} {
		if status, body := get(t, "http://"+addr+"/v1/projections", bad); status != http.StatusUnauthorized || !strings.Contains(body, `"code":"unauthenticated"`) {
			t.Fatalf("/v1/projections with token %q: %d %s", bad, status, body)
		}
	}
	status, body := get(t, "http://"+addr+"/v1/projections", token)
	if status != http.StatusOK || !strings.Contains(body, `"name":"users_v2"`) || !strings.Contains(body, `"name":"tenants_v1"`) {
		t.Fatalf("/v1/projections: %d %s", status, body)
	}
	if status, body := get(t, "http://"+addr+"/metrics", ""); status != http.StatusOK || !strings.Contains(body, `roster_projection_lag_events{projection="users_v2"}`) {
		t.Fatalf("/metrics: %d\n%.500s", status, body)
	}
}

func postmasterPID(t *testing.T, dataDir string) int {
	body, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		t.Fatalf("the embedded server's pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(body), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestDevDBGivesTheCommandADatabaseAndPassesOnItsExitStatus(t *testing.T) {
	ok := roster(t, "dev-db", "--", "sh", "-c", `case "$ROSTER_TEST_DATABASE_URL" in postgres://*) exit 0;; *) exit 9;; esac`)
	if out, err := ok.CombinedOutput(); err != nil {
		t.Fatalf("the command did not see a database URL: %v\n%s", err, out)
	}
	failing := roster(t, "dev-db", "--", "sh", "-c", "exit 3")
	err := failing.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("dev-db exited with %v, want the command's status 3", err)
	}
}

func TestHelpExplainsEveryCommandAndItsVariables(t *testing.T) {
	for args, wants := range map[string][]string{
		"--help":         {"serve", "migrate", "dev-db", "ROSTER_LOG_LEVEL"},
		"serve --help":   {"ROSTER_DATABASE_URL", "ROSTER_DATA_DIR", "ROSTER_HTTP_ADDR", "embedded", "private PostgreSQL", "ROSTER_EVENTSTORE", "kurrentdb", "ROSTER_KURRENTDB_URL"},
		"migrate --help": {"ROSTER_DATABASE_URL"},
	} {
		out, err := roster(t, strings.Fields(args)...).CombinedOutput()
		if err != nil {
			t.Fatalf("roster %s: %v\n%s", args, err, out)
		}
		for _, want := range wants {
			if !strings.Contains(string(out), want) {
				t.Errorf("roster %s does not mention %s:\n%s", args, want, out)
			}
		}
	}
}

// While serve runs on the embedded database (make run), the operator's
// tools run beside it on the same data folder, on its database — migrate,
// projections list, tenants create, audit export — and leave it serving;
// and the dev-mode operator token is the same at the next start.
func TestOperatorToolsRunBesideServeOnItsEmbeddedDatabase(t *testing.T) {
	dir, addr := dataDir(t), freeAddr(t)
	token, stop := startServe(t, dir, addr)
	pwfile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwfile, []byte("olga-secret-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	position := ""
	for _, args := range [][]string{
		{"migrate"},
		{"projections", "list"},
		{"tenants", "create", "--id", "acme", "--name", "Acme", "--owner-email", "olga@acme.example", "--owner-name", "Olga",
			"--owner-password-file", pwfile},
	} {
		out, err := roster(t, append(args, "--data-dir", dir)...).Output()
		if err != nil {
			t.Fatalf("roster %s beside serve: %v\n%s", strings.Join(args, " "), err, out)
		}
		if _, after, ok := strings.Cut(string(out), "position: "); ok {
			position = strings.TrimSpace(after)
		}
	}
	if status, body := get(t, "http://"+addr+"/v1/tenants/acme/users?q=olga&min_position="+position, token); status != http.StatusOK || !strings.Contains(body, "olga@acme.example") {
		t.Fatalf("serve after the tools: %d %s", status, body)
	}
	if out, err := roster(t, "audit", "export", "--tenant", "acme", "--format", "jsonl", "--data-dir", dir).Output(); err != nil ||
		!strings.Contains(string(out), "TenantCreated") {
		t.Fatalf("roster audit export beside serve: %v\n%s", err, out)
	}
	stop()
	again, stopAgain := startServe(t, dir, freeAddr(t))
	defer stopAgain()
	if again != token {
		t.Fatal("the dev-mode operator token changed between two starts")
	}
}

// startServe runs roster serve on the embedded database in dir, listening
// on addr, and returns its operator token and what stops it (SIGINT, then
// waits).
func startServe(t *testing.T, dir, addr string) (token string, stop func()) {
	t.Helper()
	cmd, token := runServe(t, dir, addr)
	var once sync.Once
	return token, func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		})
	}
}

// runServe starts roster serve on the embedded database in dir, listening
// on addr, and returns it, serving, with its operator token; it is killed
// at the test's end if still running.
func runServe(t *testing.T, dir, addr string) (*exec.Cmd, string) {
	t.Helper()
	cmd := roster(t, "serve", "--data-dir", dir, "--http-addr", addr)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	token := readToken(t, stdout)
	waitForLine(t, stderr, "roster is serving", 30*time.Second)
	return cmd, token
}

// A mistyped command is named as such in one line, with the commands
// there are; not answered with serve's whole help.
func TestAnUnknownCommandIsNamedInOneLine(t *testing.T) {
	t.Parallel()
	out, err := roster(t, "nosuch").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("roster nosuch: %v, want exit status 2", err)
	}
	if lines := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; lines != 1 ||
		!strings.Contains(string(out), `no command is named "nosuch"`) || !strings.Contains(string(out), "serve, migrate") {
		t.Fatalf("roster nosuch printed %d lines:\n%s", lines, out)
	}
}
