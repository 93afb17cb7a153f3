// Command bench measures Roster against plain PostgreSQL in one run, on one
// database, and prints each figure as a ratio to its baseline (DESIGN.md §7).
// Absolute numbers depend on the machine; ratios are what we track, in
// bench/RESULTS.md.
//
//	go run ./bench                 # every suite
//	go run ./bench -suite appends  # one suite
//
// Each suite runs -runs times (3): a measurement is reported by the median
// of its runs' ratios (each run measures baseline and subject itself), with
// the range, and a target counts as met only when that median meets it.
//
// With no ROSTER_BENCH_DATABASE_URL it starts a private, durable PostgreSQL
// (fsync and synchronous commit on, as in production).
package main
