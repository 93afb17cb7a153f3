package personaldata_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
)

// The database benchmarks alternate the inner store and the sealing store
// within one loop, so that the machine's noise (disk writeback above all)
// weighs on both alike, and report each one's time per operation.

// BenchmarkAppendPersonalData compares appending one event with personal
// data through the sealing store with the inner store alone: an invitation
// (a new user: a key is created) and a password change (the key exists).
func BenchmarkAppendPersonalData(b *testing.B) {
	f := newFixture(b)
	f.analyzed(b)
	f.append(b, stream("existing"), eventstore.NoStream(), invited("u", "u@example.com", "U"))
	for name, event := range map[string]func(user string, i int) eventstore.NewEvent{
		"invitation": func(user string, i int) eventstore.NewEvent {
			return invited(fmt.Sprint(user, i), "someone@example.com", "Some One")
		},
		"password": func(_ string, i int) eventstore.NewEvent { return passwordSet("u", fmt.Sprint("hash-", i)) },
	} {
		b.Run(name, func(b *testing.B) {
			i := 0
			alternate(b, map[string]func(){
				"inner":   func() { i++; appendOne(b, f.inner, name, event("i-", i)) },
				"sealing": func() { appendOne(b, f.store, name, event("s-", i)) },
			})
		})
	}
}

func appendOne(b *testing.B, store eventstore.Appender, name string, e eventstore.NewEvent) {
	if _, err := store.Append(context.Background(), stream(name), eventstore.Any(), []eventstore.NewEvent{e}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReadStream100 compares reading a page of 100 invitations of 100
// people through the sealing store (one key query, 100 unwraps and opens)
// with the inner store alone.
func BenchmarkReadStream100(b *testing.B) {
	f := newFixture(b)
	var events []eventstore.NewEvent
	for i := range 100 {
		events = append(events, invited(fmt.Sprintf("u-%d", i), "someone@example.com", "Some One"))
	}
	f.append(b, stream("t1"), eventstore.NoStream(), events...)
	f.analyzed(b)
	read := func(store eventstore.StreamReader) func() {
		return func() {
			if got, err := store.ReadStream(context.Background(), stream("t1"), 0, 100); err != nil || len(got) != 100 {
				b.Fatal(err)
			}
		}
	}
	alternate(b, map[string]func(){"inner": read(f.inner), "sealing": read(f.store)})
}

// alternate runs each of ops once per iteration and reports the mean time of
// each ("<name>-ns/op") and their ratio.
func alternate(b *testing.B, ops map[string]func()) {
	spent := map[string]time.Duration{}
	for b.Loop() {
		for name, op := range ops {
			start := time.Now()
			op()
			spent[name] += time.Since(start)
		}
	}
	for name, d := range spent {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), name+"-ns/op")
	}
	b.ReportMetric(float64(spent["sealing"])/float64(spent["inner"]), "sealing/inner")
}

// analyzed gives the key table production-like size and statistics: without
// them the planner's cached plans, made while the table was nearly empty,
// scan it whole as it grows during the benchmark.
func (f *fixture) analyzed(b *testing.B) {
	_, err := f.pool.Exec(context.Background(), `
INSERT INTO personal_data_keys (tenant_id, user_id, wrapped_key)
SELECT 'other-' || (g % 100), 'user-' || g, '\x00' FROM generate_series(1, 50000) g;
ANALYZE personal_data_keys; ANALYZE events`)
	if err != nil {
		b.Fatal(err)
	}
}
