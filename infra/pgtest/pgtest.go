package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/infra/embeddedpg"
	"github.com/rosterhq/roster/infra/migrations"
)

// EnvURL names the variable that points the tests at an existing server.
const EnvURL = "ROSTER_TEST_DATABASE_URL"

// templateLockKey serialises template creation across test binaries that
// share one server (go test runs packages in parallel processes).
const templateLockKey = 7_242_031

var (
	adminURL     string
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// Main starts PostgreSQL if none is configured, runs the tests and stops it.
// Use it as: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
func Main(m *testing.M) int {
	adminURL = os.Getenv(EnvURL)
	if adminURL != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "roster-test-pg-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	server, err := embeddedpg.Start(ctx, embeddedpg.Options{Dir: dir, MaxConnections: 300})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer server.Stop(ctx)
	adminURL = server.URL("postgres")
	return m.Run()
}

// NewDatabase creates a migrated database for this test alone and returns
// its URL; it is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	requireServer(t)
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate() })
	if templateErr != nil {
		t.Fatalf("pgtest: template database: %v", templateErr)
	}
	return createDatabase(t, templateName)
}

// NewEmptyDatabase creates a database with no schema at all (for testing
// migrations themselves) and returns its URL; it is dropped when the test ends.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	requireServer(t)
	return createDatabase(t, "template0")
}

func requireServer(t testing.TB) {
	if adminURL == "" {
		t.Fatal("pgtest: no server: call pgtest.Main from TestMain")
	}
}

func createDatabase(t testing.TB, template string) string {
	t.Helper()
	name := "roster_test_" + randomHex(8)
	if err := adminExec(fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, template)); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return databaseURL(name)
}

// NewPool returns a pool on a fresh database (see NewDatabase), closed when
// the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// ensureTemplate builds, once per server and migration set, the template
// that test databases are cloned from.
func ensureTemplate() (string, error) {
	fingerprint, err := migrations.Fingerprint()
	if err != nil {
		return "", err
	}
	name := "roster_template_" + fingerprint
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", err
	}
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		return name, err
	}
	return name, buildTemplate(ctx, conn, name)
}

func buildTemplate(ctx context.Context, admin *pgx.Conn, name string) error {
	building := name + "_building"
	for _, sql := range []string{
		fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building),
		fmt.Sprintf("CREATE DATABASE %s", building),
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return err
		}
	}
	pool, err := pgxpool.New(ctx, databaseURL(building))
	if err != nil {
		return err
	}
	_, err = migrations.Up(ctx, pool, nil)
	pool.Close() // a template must have no connections when it is cloned
	if err != nil {
		return err
	}
	for _, sql := range []string{
		fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name),
		fmt.Sprintf("ALTER DATABASE %s WITH IS_TEMPLATE true", name),
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return err
		}
	}
	return nil
}

func adminExec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// databaseURL is the admin URL pointed at another database.
func databaseURL(name string) string {
	u, err := url.Parse(adminURL)
	if err != nil {
		return adminURL // unreachable for URLs that connected; keeps the error at connect time
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
