package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/infra/embeddedpg"
	"github.com/rosterhq/roster/infra/migrations"
)

// suite is one group of comparisons.
type suite struct {
	name string
	run  func(ctx context.Context, env *env) ([]result, error)
}

var suites = []suite{
	{"appends", runAppends},
	{"command-latency", runCommandLatency},
	{"deactivate-throughput", runDeactivateThroughput},
	{"write-model-cache", runWriteModelCache},
	{"bulk", runBulk},
	{"encryption", runEncryption},
	{"list-users", runListUsers},
	{"console-users", runConsoleUsers},
	{"scim", runSCIM},
	{"lag", runLag},
	{"catch-up", runCatchUp},
	{"rebuild", runRebuild},
	{"http", runHTTP},
	{"as-of", runAsOf},
	{"login-memory", runLoginMemory},
	{"webhooks", runWebhooks},
	{"events-out", runEventsOut},
	{"introspection", runIntrospection},
}

// env is what a suite measures against.
type env struct {
	pool     *pgxpool.Pool
	url      string // of pool's database, for a child process's own databases
	duration time.Duration
	rounds   int
	runs     int    // of each suite, reported by the median
	roster   string // the roster binary, for suites that measure a serving process
}

// result is one comparison: a subject against its baseline, same units.
type result struct {
	name, unit        string
	baseline, subject float64
	target            string
}

func (r result) ratio() float64 { return r.subject / r.baseline }

func main() {
	exitIfLoadgen() // a child of the introspection suite
	only := flag.String("suite", "", "run only this suite ("+suiteNames()+")")
	duration := flag.Duration("duration", 3*time.Second, "how long each measurement runs")
	rounds := flag.Int("rounds", 3, "alternating rounds of baseline and subject within a run; the median counts")
	runs := flag.Int("runs", 3, "runs of each suite; each measurement is reported by its median ratio over them, with the range")
	roster := flag.String("roster", ".roster/bin/roster", "the roster binary (make build) that login-memory serves with")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		stop, err := startProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer stop()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *only, &env{duration: *duration, rounds: *rounds, runs: max(*runs, 1), roster: *roster}); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1) //nolint: the profile of a failed run is not wanted
	}
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// groups name several suites at once: -suite commands is the command
// side's figures.
var groups = map[string][]string{"commands": {"command-latency", "deactivate-throughput"}}

func suiteNames() string {
	names := make([]string, 0, len(suites)+len(groups))
	for _, s := range suites {
		names = append(names, s.name)
	}
	for g, members := range groups {
		names = append(names, g+" ("+strings.Join(members, " and ")+")")
	}
	return strings.Join(names, ", ")
}

// selected says which suites -suite only names (all of them for ""), and
// refuses a name that is neither a suite nor a group before anything runs.
func selected(only string) (func(string) bool, error) {
	if only == "" {
		return func(string) bool { return true }, nil
	}
	if members, ok := groups[only]; ok {
		return func(name string) bool { return slices.Contains(members, name) }, nil
	}
	for _, s := range suites {
		if s.name == only {
			return func(name string) bool { return name == only }, nil
		}
	}
	return nil, fmt.Errorf("no suite %q; the suites are %s", only, suiteNames())
}

func run(ctx context.Context, only string, e *env) error {
	wanted, err := selected(only)
	if err != nil {
		return err
	}
	pool, url, closeDB, err := openDatabase(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	e.pool, e.url = pool, url
	printMachine(ctx, pool)
	for _, s := range suites {
		if !wanted(s.name) {
			continue
		}
		var runs [][]result
		for run := range e.runs {
			results, err := s.run(ctx, e)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", s.name, run+1, err)
			}
			runs = append(runs, results)
		}
		printResults(s.name, runs)
	}
	return nil
}

func openDatabase(ctx context.Context) (*pgxpool.Pool, string, func(), error) {
	url, stopServer := os.Getenv("ROSTER_BENCH_DATABASE_URL"), func() {}
	if url == "" {
		dir, err := os.MkdirTemp("", "roster-bench-")
		if err != nil {
			return nil, "", nil, err
		}
		server, err := embeddedpg.Start(ctx, embeddedpg.Options{Dir: dir, Durable: true, MaxConnections: 100})
		if err != nil {
			return nil, "", nil, err
		}
		url = server.URL("postgres")
		stopServer = func() { _ = server.Stop(context.Background()); _ = os.RemoveAll(dir) }
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		stopServer()
		return nil, "", nil, err
	}
	cfg.MaxConns = 40
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		_, err = migrations.Up(ctx, pool, slog.New(slog.DiscardHandler))
	}
	if err != nil {
		stopServer()
		return nil, "", nil, err
	}
	return pool, url, func() { pool.Close(); stopServer() }, nil
}

func printMachine(ctx context.Context, pool *pgxpool.Pool) {
	var version, fsync, syncCommit string
	_ = pool.QueryRow(ctx, "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit')").
		Scan(&version, &fsync, &syncCommit)
	fmt.Printf("machine: %s, %d cores, %s %s/%s\n", cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("database: %s (fsync=%s, synchronous_commit=%s)\n", strings.SplitN(version, ",", 2)[0], fsync, syncCommit)
}

func cpuModel() string {
	body, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(body), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return "unknown CPU"
}

// printResults prints a suite's measurements over its runs: each run's
// baseline and subject, the median ratio and its range, and whether the
// median meets the target.
func printResults(suite string, runs [][]result) {
	measurements := gather(runs)
	if len(measurements) == 0 {
		return
	}
	fmt.Printf("\n### %s (%d runs)\n\n| measurement | baseline, each run | roster, each run | ratio, median | range | target | median meets it |\n|---|---|---|---|---|---|---|\n",
		suite, len(runs))
	for _, m := range measurements {
		fmt.Println(m.row())
	}
}

// throughput runs op from workers goroutines for d and returns operations
// per second; op returns how many operations it did.
func throughput(ctx context.Context, workers int, d time.Duration, op operation) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var total int
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := loop(ctx, w, op)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return float64(total) / time.Since(start).Seconds(), firstErr
}

func loop(ctx context.Context, worker int, op operation) (int, error) {
	var total int
	for ctx.Err() == nil {
		n, err := op(ctx, worker)
		if err != nil {
			if ctx.Err() != nil { // cut off by the deadline mid-operation
				return total, nil
			}
			return total, err
		}
		total += n
	}
	return total, nil
}

// operation is one unit of measured work by one worker; it returns how many
// operations (events, commands) it did.
type operation func(ctx context.Context, worker int) (int, error)

// compare alternates baseline and subject for e.rounds rounds and returns the
// median throughput of each, so that drift in the machine hits both alike.
// Each round gets fresh operations: work cut off by a round's deadline may
// still have landed, so no state may carry from one round to the next.
func compare(ctx context.Context, e *env, workers int, baseline, subject func(round int) operation) (float64, float64, error) {
	medians, err := compareAll(ctx, e, workers, baseline, subject)
	if err != nil {
		return 0, 0, err
	}
	return medians[0], medians[1], nil
}

// compareAll is compare of any number of sides, taken in turn in each round;
// it returns the median throughput of each side, in their order.
func compareAll(ctx context.Context, e *env, workers int, sides ...func(round int) operation) ([]float64, error) {
	each := make([][]float64, len(sides))
	for round := range e.rounds {
		for i, side := range sides {
			t, err := throughput(ctx, workers, e.duration, side(round))
			if err != nil {
				if i == 0 {
					return nil, fmt.Errorf("baseline: %w", err)
				}
				return nil, fmt.Errorf("side %d: %w", i, err)
			}
			each[i] = append(each[i], t)
		}
	}
	medians := make([]float64, len(sides))
	for i, xs := range each {
		medians[i] = median(xs)
	}
	return medians, nil
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// execAll runs statements in order.
func execAll(ctx context.Context, pool *pgxpool.Pool, statements ...string) error {
	for _, sql := range statements {
		if _, err := pool.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	return nil
}
