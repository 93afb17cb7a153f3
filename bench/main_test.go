package main

import (
	"os"
	"testing"

	"github.com/rosterhq/roster/infra/pgtest"
)

// TestMain gives the benchmarks of this package (go test -bench) the test
// PostgreSQL server (ROSTER_TEST_DATABASE_URL, as roster dev-db sets it).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
