package migrations_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/infra/migrations"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Several processes starting at once (replicas, or serve beside migrate)
// must apply each migration exactly once and all end at the same version.
func TestConcurrentMigrationsApplyEachMigrationOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	const starters = 5
	versions := make([]int64, starters)
	errs := make([]error, starters)
	var wg sync.WaitGroup
	for i := range starters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool, err := pgxpool.New(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			versions[i], errs[i] = migrations.Up(ctx, pool, nil)
		}()
	}
	wg.Wait()
	for i := range starters {
		if errs[i] != nil {
			t.Fatalf("starter %d: %v", i, errs[i])
		}
		if versions[i] != versions[0] || versions[i] < 1 {
			t.Fatalf("starters ended at versions %v", versions)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var applied, distinct int
	err = pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id) FROM roster_schema_migrations WHERE version_id > 0`).Scan(&applied, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if applied != distinct || int64(applied) != versions[0] {
		t.Fatalf("%d migration rows for %d versions, latest %d: some migration ran twice or not at all", applied, distinct, versions[0])
	}
	var hasEvents bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('events') IS NOT NULL").Scan(&hasEvents); err != nil || !hasEvents {
		t.Fatalf("events table missing after migration (%v)", err)
	}
}

func TestFingerprintIsStable(t *testing.T) {
	t.Parallel()
	a, err := migrations.Fingerprint()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := migrations.Fingerprint(); a != b || len(a) != 16 {
		t.Fatalf("fingerprints %q and %q", a, b)
	}
}
