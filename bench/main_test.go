package main

import (
	"os"
	"testing"

	"github.com/rosterhq/roster/infra/pgtest"
)

// TestMain gives the benchmarks of this package (go test -bench) the test
// PostgreSQL server (ROSTER_TEST_DATABASE_URL, as roster dev-db sets it).
// The test binary is also the load generator of the tests that run one
// (driveLoad re-executes the running binary).
func TestMain(m *testing.M) {
	exitIfLoadgen()
	os.Exit(pgtest.Main(m))
}
