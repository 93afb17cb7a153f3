// Command bench measures Roster against plain PostgreSQL in one run, on one
// database, and prints each figure as a ratio to its baseline (DESIGN.md §7).
// Absolute numbers depend on the machine; ratios are what we track, in
// bench/RESULTS.md.
//
//	go run ./bench                 # every suite
//	go run ./bench -suite appends  # one suite
//
// With no ROSTER_BENCH_DATABASE_URL it starts a private, durable PostgreSQL
// (fsync and synchronous commit on, as in production).
package main
