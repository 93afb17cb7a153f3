package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/users"
)

// lockHolder is the backend holding the projectors' advisory lock (0: none).
func lockHolder(t *testing.T, pool *pgxpool.Pool) int {
	var pid int
	err := pool.QueryRow(bg, `SELECT coalesce(max(pid), 0) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		projectionfeed.LeaderLockKey).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// awaitHolder polls the lock table (another session's state) until want
// says yes, with a deadline.
func awaitHolder(t *testing.T, pool *pgxpool.Pool, want func(pid int) bool) int {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if pid := lockHolder(t, pool); want(pid) {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatal("the projectors' lock did not reach the expected holder within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// When the connection holding the projectors' lock dies (PostgreSQL
// restarted, or an operator killed it), the lock is gone and another process
// may take over: this one must stop projecting, take the lock again on a new
// connection, and go on.
func TestProjectorsRetakeTheirLockWhenItsConnectionDies(t *testing.T) {
	t.Parallel()
	svc, _, _ := freshServices(t, testAccess)
	pool, log := svc.Pool, quiet
	if err := projections.Setup(bg, pool, wiring.Projectors()...); err != nil {
		t.Fatal(err)
	}
	status := projections.NewStatus()
	ctx, stop := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { defer close(done); wiring.RunProjectors(ctx, pool, svc, status, log) }()
	defer func() { stop(); <-done }()
	first := awaitHolder(t, pool, func(pid int) bool { return pid != 0 })
	if _, err := pool.Exec(bg, "SELECT pg_terminate_backend($1)", first); err != nil {
		t.Fatal(err)
	}
	awaitHolder(t, pool, func(pid int) bool { return pid != 0 && pid != first })
	createAcme(t, svc.Commands)
	res := mustHandleFn(t)(svc.Commands.InviteUser.Handle(bg, execution.Envelope{Tenant: "acme"}, commands.InviteUser{
		Actor: domain.OperatorActor(), User: "ann", Email: "ann@acme.example", Name: "Ann", Role: domain.RoleMember}))
	waitCtx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	if err := status.WaitFor(waitCtx, res.Position, users.Table); err != nil {
		t.Fatalf("projecting did not go on under the new lock: %v", err)
	}
}
