package main

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/kurrentdb"
	"github.com/rosterhq/roster/infra/kurrentdb/kurrentdbfake"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
)

// BenchmarkAppendCost appends one event per op through each adapter and
// reports, beside ns/op and allocs/op, the CPU this process spent per
// append (cpu-µs/op, user+system from getrusage). PostgreSQL's server runs
// in its own processes, so pgstore's figure is the adapter and driver
// alone; the fake KurrentDB runs in this process, so kurrentdb-fake's
// figure is the adapter and client *plus* the fake server: an upper bound
// for the adapter. With ROSTER_BENCH_KURRENTDB_URL set (docker compose up
// kurrentdb), kurrentdb-real measures against that server.
//
//	roster dev-db -- go test ./bench -run '^$' -bench AppendCost -benchtime 3000x
func BenchmarkAppendCost(b *testing.B) {
	b.Run("pgstore", func(b *testing.B) {
		store := pgstore.New(pgtest.NewPool(b), pgstore.Options{})
		defer store.Close()
		benchAppends(b, store)
	})
	b.Run("kurrentdb-fake", func(b *testing.B) {
		fake, err := kurrentdbfake.Start(kurrentdbfake.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer fake.Close()
		benchAppends(b, openKurrent(b, fake.URL()))
	})
	if url := os.Getenv("ROSTER_BENCH_KURRENTDB_URL"); url != "" {
		b.Run("kurrentdb-real", func(b *testing.B) { benchAppends(b, openKurrent(b, url)) })
	}
}

func openKurrent(b *testing.B, url string) *kurrentdb.Store {
	store, err := kurrentdb.Open(url, kurrentdb.Options{Namespace: "bench-" + uuid.NewString()[:8] + "-"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close() })
	return store
}

// benchAppends appends b.N single events, each at its exact version, to 16
// streams in turn (a command's append), after one warm-up append per stream.
func benchAppends(b *testing.B, store eventstore.Appender) {
	ctx := context.Background()
	const streams = 16
	versions := make([]int64, streams)
	appendOne := func(i int) {
		s := i % streams
		e := eventstore.NewEvent{ID: uuid.NewString(), Type: "UserDeactivated", SchemaVersion: 1,
			Payload:  fmt.Appendf(nil, `{"user":"u-%d","reason":"left the company"}`, i),
			Metadata: []byte(`{"tenant":"acme","actor":"owner","correlation_id":"c-1"}`), OccurredAt: time.Now()}
		res, err := store.Append(ctx, fmt.Sprintf("tenant-bench-%d", s), eventstore.Exact(versions[s]), []eventstore.NewEvent{e})
		if err != nil {
			b.Fatal(err)
		}
		versions[s] = res.StreamVersion
	}
	for i := range streams {
		appendOne(i)
	}
	before := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		appendOne(i)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
