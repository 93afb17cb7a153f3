package main

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/idempotency"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/snapshots"
	"github.com/rosterhq/roster/infra/wiring"
)

const bigTenantUsers = 100_000

// commandSide is the use cases over the command engine that carries them
// out, built by the service's own wiring (wiring.NewCommandSide). Close
// closes the engine.
type commandSide struct {
	*commands.Handlers
	engine *execution.Engine
}

func newCommandSide(cfg execution.Config, hasher commands.PasswordHasher, emails commands.EmailIndexer) (commandSide, error) {
	engine, h, err := wiring.NewCommandSide(cfg, commands.Config{Passwords: hasher, Screen: passwords.Screen{}, Emails: emails})
	if err != nil {
		return commandSide{}, err
	}
	return commandSide{Handlers: h, engine: engine}, nil
}

func (c commandSide) Close() { c.engine.Close() }

// commandEnv is the command side wired as the service wires it.
type commandEnv struct {
	store    *pgstore.Store
	handlers commandSide
	emails   *personaldata.BlindIndex
}

func newCommandEnv(e *env, tweaks ...func(*execution.Config)) (*commandEnv, error) {
	hasher, err := passwords.New(passwords.TestParams())
	if err != nil {
		return nil, err
	}
	emails, err := personaldata.NewBlindIndex([]byte("bench-blind-index-key-32-bytes!!"))
	if err != nil {
		return nil, err
	}
	store := pgstore.New(e.pool, pgstore.Options{})
	cfg := execution.Config{Store: store, Snapshots: snapshots.New(e.pool), Idempotency: idempotency.New(e.pool)}
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	h, err := newCommandSide(cfg, hasher, emails)
	if err != nil {
		return nil, err
	}
	return &commandEnv{store: store, handlers: h, emails: emails}, nil
}

func (c *commandEnv) close() { c.handlers.Close(); c.store.Close() }

// toggle deactivates or reactivates user u of tenant, whichever changes it.
func (c *commandEnv) toggle(ctx context.Context, tenant domain.TenantID, u domain.UserID, deactivate bool) error {
	op, e := domain.OperatorActor(), execution.Envelope{Tenant: tenant}
	var res execution.Result
	var err error
	if deactivate {
		res, err = c.handlers.DeactivateUser.Handle(ctx, e, domain.DeactivateUser{Actor: op, User: u})
	} else {
		res, err = c.handlers.ReactivateUser.Handle(ctx, e, domain.ReactivateUser{Actor: op, User: u})
	}
	if err == nil && !res.Changed {
		err = fmt.Errorf("%s/%s: nothing changed", tenant, u)
	}
	return err
}

// runCommandLatency compares the latency of the same commands on a tenant of
// 100,000 users and one of 10, interleaved so that noise hits both alike.
func runCommandLatency(ctx context.Context, e *env) ([]result, error) {
	c, err := newCommandEnv(e)
	if err != nil {
		return nil, err
	}
	defer c.close()
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	big, small := domain.TenantID("big-"+run), domain.TenantID("small-"+run)
	for tenant, users := range map[domain.TenantID]int{big: bigTenantUsers, small: 10} {
		if err := seedTenant(ctx, c.store, c.emails, tenant, users); err != nil {
			return nil, fmt.Errorf("seed %s: %w", tenant, err)
		}
	}
	coldStart := time.Now()
	if err := c.toggle(ctx, big, "u-0", true); err != nil { // loads 200,000 events
		return nil, err
	}
	fmt.Printf("cold load of the 100,000-user tenant (200,001 events, no snapshot yet): %s\n", time.Since(coldStart).Round(time.Millisecond))
	if err := c.toggle(ctx, small, "u-0", true); err != nil {
		return nil, err
	}
	const commandsPerTenant = 3000
	bigTimes, smallTimes := make([]time.Duration, 0, commandsPerTenant), make([]time.Duration, 0, commandsPerTenant)
	for i := 1; i <= commandsPerTenant; i++ {
		u, deactivate := domain.UserID(fmt.Sprintf("u-%d", i%10)), (i/10)%2 == 0
		for _, t := range []struct {
			tenant domain.TenantID
			times  *[]time.Duration
		}{{big, &bigTimes}, {small, &smallTimes}} {
			started := time.Now()
			if err := c.toggle(ctx, t.tenant, u, deactivate); err != nil {
				return nil, err
			}
			*t.times = append(*t.times, time.Since(started))
		}
	}
	return []result{
		latencyResult("command latency p50, 100,000 vs 10 users", smallTimes, bigTimes, 0.50, "≤ 2×"),
		latencyResult("command latency p99, 100,000 vs 10 users", smallTimes, bigTimes, 0.99, "≤ 1.2×"),
		latencyResult("command latency p99.9, 100,000 vs 10 users", smallTimes, bigTimes, 0.999, "—"),
	}, nil
}

func latencyResult(name string, baseline, subject []time.Duration, q float64, target string) result {
	return result{name: name, unit: "µs", baseline: quantile(baseline, q), subject: quantile(subject, q), target: target}
}

func quantile(xs []time.Duration, q float64) float64 {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	return float64(sorted[int(q*float64(len(sorted)-1))].Microseconds())
}

// runDeactivateThroughput compares deactivations through the command path
// with a plain UPDATE of a users table of the same size.
func runDeactivateThroughput(ctx context.Context, e *env) ([]result, error) {
	c, err := newCommandEnv(e)
	if err != nil {
		return nil, err
	}
	defer c.close()
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	one := domain.TenantID("one-" + run)
	eight := make([]domain.TenantID, 8)
	if err := seedTenant(ctx, c.store, c.emails, one, bigTenantUsers); err != nil {
		return nil, err
	}
	for i := range eight {
		eight[i] = domain.TenantID(fmt.Sprintf("eight-%d-%s", i, run))
		if err := seedTenant(ctx, c.store, c.emails, eight[i], bigTenantUsers/8); err != nil {
			return nil, err
		}
	}
	if err := seedUsersTable(ctx, e); err != nil {
		return nil, err
	}
	for _, t := range append([]domain.TenantID{one}, eight...) { // load outside the measurement
		if err := c.toggle(ctx, t, "u-0", true); err != nil {
			return nil, err
		}
	}
	taken := map[domain.TenantID]*atomic.Int64{} // per tenant, across shapes
	for _, t := range append([]domain.TenantID{one}, eight...) {
		taken[t] = &atomic.Int64{} // u-0 is already inactive: Add(1) starts at u-1
	}
	var results []result
	for _, shape := range []struct {
		name    string
		clients int
		tenant  func(worker int) domain.TenantID
		target  string
	}{
		{"deactivate, 1 client", 1, func(int) domain.TenantID { return one }, "≥ 0.8×"},
		{"deactivate, 8 clients on 8 tenants", 8, func(w int) domain.TenantID { return eight[w] }, "≥ 0.6×"},
		{"deactivate, 8 clients on one tenant", 8, func(int) domain.TenantID { return one }, "≥ 0.6×"},
	} {
		// The floor alternates with the other two: the append alone of the
		// command's own events, to a stream per client.
		floor := deactivationAppends(c, fmt.Sprintf("%s-%d", run, len(results)))
		m, err := compareAll(ctx, e, shape.clients, plainDeactivations(e), commandDeactivations(c, shape.tenant, taken), floor)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", shape.name, err)
		}
		update, command, appends := m[0], m[1], m[2]
		results = append(results,
			result{name: shape.name, unit: "commands/s", baseline: update, subject: command, target: shape.target},
			result{name: shape.name + ", the floor: its append alone (its 2 events, to a stream per client, nothing decided) vs the UPDATE",
				unit: "appends/s", baseline: update, subject: appends, target: "—"},
			result{name: shape.name + ", the command vs its append alone", unit: "per second", baseline: appends, subject: command, target: "—"})
	}
	return results, nil
}

// deactivationAppends appends, per operation, the two events a deactivation
// stores (UserDeactivated and SessionsRevoked) to a stream of the worker's
// own at its exact next version: the one statement every deactivation
// command ends in, with nothing decided, so the ratio it makes with the
// UPDATE is the most a command can reach on this event store. Streams are
// named after prefix, the round and the worker.
func deactivationAppends(c *commandEnv, prefix string) func(int) operation {
	return func(round int) operation {
		var versions [64]atomic.Int64 // by worker; each worker appends to its own stream
		return func(ctx context.Context, w int) (int, error) {
			stream := domain.TenantID(fmt.Sprintf("floor-%s-%d-%d", prefix, round, w))
			after := versions[w].Load()
			u := domain.UserID(fmt.Sprintf("u-%d", after))
			events := []domain.Event{domain.UserDeactivated{User: u},
				domain.SessionsRevoked{User: u, RevokedBefore: time.Now(), Reason: domain.ReasonDeactivated}}
			if err := appendBatch(ctx, c.store, stream, after, events); err != nil {
				return 0, err
			}
			versions[w].Add(int64(len(events)))
			return 1, nil
		}
	}
}

// seedUsersTable makes the baseline's users table: as many rows as the
// tenants above hold, with the columns a users read model has.
func seedUsersTable(ctx context.Context, e *env) error {
	return execAll(ctx, e.pool,
		"DROP TABLE IF EXISTS bench_users",
		`CREATE TABLE bench_users (id text PRIMARY KEY, tenant text NOT NULL, email_index text NOT NULL, role text NOT NULL,
		    status text NOT NULL, version bigint NOT NULL, updated_at timestamptz NOT NULL)`,
		fmt.Sprintf(`INSERT INTO bench_users SELECT 'u-' || i, 't', md5(i::text), 'member', 'active', 1, now()
		    FROM generate_series(0, %d) AS i`, 2*bigTenantUsers-1),
		"ANALYZE bench_users",
	)
}

func plainDeactivations(e *env) func(int) operation {
	var next atomic.Int64
	return func(int) operation {
		return func(ctx context.Context, _ int) (int, error) {
			id := fmt.Sprintf("u-%d", next.Add(1)%(2*bigTenantUsers))
			_, err := e.pool.Exec(ctx, "UPDATE bench_users SET status = 'inactive' WHERE id = $1", id)
			return 1, err
		}
	}
}

// commandDeactivations deactivates a fresh active user of the worker's
// tenant per operation (each tenant's users are taken in order).
func commandDeactivations(c *commandEnv, tenantOf func(int) domain.TenantID, taken map[domain.TenantID]*atomic.Int64) func(int) operation {
	return func(int) operation {
		return func(ctx context.Context, w int) (int, error) {
			t := tenantOf(w)
			u := domain.UserID(fmt.Sprintf("u-%d", taken[t].Add(1)))
			return 1, c.toggle(ctx, t, u, true)
		}
	}
}
