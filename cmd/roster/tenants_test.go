package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/wiring"
)

const tenantsOwnerPassword = "correct horse battery staple"

// tenantsCreateOn is `roster tenants create` for tenant acme on the database
// at url, its owner's password in a file (with the newline an editor adds).
func tenantsCreateOn(t *testing.T, url, masterKey string) (*tenantsCreateCmd, *bytes.Buffer) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(file, []byte(tenantsOwnerPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	return &tenantsCreateCmd{storeFlags: storeFlags{Database: config.Database{URL: url}, Secrets: config.Secrets{MasterKey: masterKey}, EventStore: testEventStore(t)},
		ID: "acme", Name: "Acme", Preset: domain.PresetHelpdesk, Seats: 3,
		OwnerEmail: "olga@acme.example", OwnerName: "Olga Owner", OwnerPasswordFile: file, stdout: &out}, &out
}

// quiet is the services' logger in tests: errors only, on standard error,
// which go test shows only for a package that fails — where the cause of
// an unexpected 500 is what one needs.
var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

func TestTenantsCreateMakesAnOwnerWhoCanLogInAndRefusesTheSameIDTwice(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	encoded, key := newMasterKey(t)
	create, out := tenantsCreateOn(t, url, encoded)
	if err := create.Run(bg, quiet); err != nil {
		t.Fatal(err)
	}
	owner := regexp.MustCompile(`(?m)^owner user id: (\S+)$`).FindStringSubmatch(out.String())
	if owner == nil || !strings.Contains(out.String(), "created tenant acme (preset helpdesk, 3 seats)") ||
		!regexp.MustCompile(`(?m)^position: \d+-\d+$`).MatchString(out.String()) {
		t.Fatalf("output:\n%s", out)
	}
	if strings.Contains(out.String(), "olga") || strings.Contains(out.String(), "Olga") {
		t.Errorf("the output repeats the owner's personal data:\n%s", out)
	}

	svc, err := wiring.Open(bg, poolFor(t, url), key, create.EventStore, passwords.TestParams(), testAccess, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	login, err := svc.Sessions.Login(bg, "acme", "olga@acme.example", tenantsOwnerPassword, "test")
	if err != nil {
		t.Fatalf("the owner cannot log in: %v", err)
	}
	if string(login.Member.User.ID) != owner[1] || login.Member.User.Role != domain.RoleOwner {
		t.Errorf("logged in as %s (%s), want owner %s", login.Member.User.ID, login.Member.User.Role, owner[1])
	}

	again, _ := tenantsCreateOn(t, url, encoded)
	again.EventStore = create.EventStore
	err = again.Run(bg, quiet)
	if err == nil || err.Error() != `tenant "acme" was not created: tenant "acme" already exists (invalid_transition)` {
		t.Errorf("second create: %v", err)
	}
}

func TestTenantsCreateRefusesAnUnknownPresetInOneLine(t *testing.T) {
	t.Parallel()
	encoded, _ := newMasterKey(t)
	create, out := tenantsCreateOn(t, pgtest.NewDatabase(t), encoded)
	create.Preset = "lenient"
	err := create.Run(bg, quiet)
	if err == nil || err.Error() != `tenant "acme" was not created: unknown preset "lenient" (invalid)` {
		t.Errorf("unknown preset: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("a refusal printed %q", out)
	}
}

func TestTenantsCreateReadsThePasswordFromTheEnvironmentOrRefusesWithoutOne(t *testing.T) {
	t.Parallel()
	devNull, err := os.Open(os.DevNull) // not a terminal: no prompt
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	env := map[string]string{}
	create := &tenantsCreateCmd{stdin: devNull, lookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}

	_, err = create.ownerPassword()
	for _, hint := range []string{"--owner-password-file", ownerPasswordEnv, "terminal"} {
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("no source: %v, want a refusal naming %s", err, hint)
		}
	}
	env[ownerPasswordEnv] = ""
	if _, err := create.ownerPassword(); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty variable: %v", err)
	}
	env[ownerPasswordEnv] = "from the environment"
	if got, err := create.ownerPassword(); err != nil || got != "from the environment" {
		t.Errorf("variable: %q %v", got, err)
	}
	create.OwnerPasswordFile = filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(create.OwnerPasswordFile, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := create.ownerPassword(); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("the file comes first and is empty: %v", err)
	}
}

// A folder held by a process that serves no database there (not a roster
// serve) is explained, with what to do, rather than a bare lock error.
func TestTenantsCreateExplainsAnEmbeddedFolderHeldByAStranger(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dataDir, "postgres"), 0o700); err != nil {
		t.Fatal(err)
	}
	lock, err := os.Create(filepath.Join(dataDir, "postgres", "lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	create, _ := tenantsCreateOn(t, "", "")
	create.DataDir = dataDir
	err = create.Run(bg, quiet)
	for _, hint := range []string{"in use", "stop that process", "ROSTER_DATABASE_URL"} {
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("server in use: %v, want a hint about %s", err, hint)
		}
	}
}

func TestTenantsCreateHelpExplainsEveryPresetAndPasswordSource(t *testing.T) {
	t.Parallel()
	help, err := roster(t, "tenants", "create", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, help)
	}
	wants := append(domain.PresetNames(), "--owner-password-file", ownerPasswordEnv, "--seats", "--owner-email",
		"--owner-name", "--preset", "--id", "--name", "POST /v1/tenants", "ROSTER_DATABASE_URL", "invalid_transition")
	for _, want := range wants {
		if !strings.Contains(string(help), want) {
			t.Errorf("--help does not mention %s:\n%s", want, help)
		}
	}
	if strings.Contains(string(help), "--owner-password ") || strings.Contains(string(help), "--owner-password=") {
		t.Errorf("--help offers a password flag:\n%s", help)
	}
}
