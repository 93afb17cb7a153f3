// Package pgtest gives tests a real PostgreSQL: each test its own fresh
// database, cloned from a template migrated once per server (cloning costs
// milliseconds; migrating every test would cost far more).
//
// A package whose tests use it calls Main from TestMain. The server is the
// one named by ROSTER_TEST_DATABASE_URL (a URL of a database on a server
// where the user may create databases), else a private embedded server that
// lives as long as the test binary.
package pgtest
