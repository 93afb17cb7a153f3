package projectionfeed_test

import (
	"context"
	"os"
	"testing"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/tenants"
)

func TestMain(m *testing.M) {
	for _, child := range []string{childDatabaseEnv, rebuildChildDatabaseEnv, ingesterChildDatabaseEnv} {
		if os.Getenv(child) != "" { // a process of a kill test: its database is given
			os.Exit(m.Run())
		}
	}
	os.Exit(pgtest.Main(m))
}

func TestAProjectorCatchesUpThenFollowsLiveAndResumesFromItsCheckpoint(t *testing.T) {
	w := projectiontest.New(t)
	policy, _ := domain.PresetPolicy(domain.PresetHelpdesk)
	w.Append("acme", domain.TenantCreated{Tenant: "acme", Name: "Acme", Preset: domain.PresetHelpdesk, Policy: policy},
		domain.SeatsChanged{Seats: 5})
	status := w.Project(tenants.New())
	w.WaitFor(status, w.Append("acme", domain.SeatsChanged{Seats: 7, Previous: 5}), tenants.Table)
	var seats int
	var name string
	if err := w.Pool.QueryRow(context.Background(), "SELECT name, seats_purchased FROM tenants_v1 WHERE id = 'acme'").Scan(&name, &seats); err != nil || seats != 7 || name != "Acme" {
		t.Fatalf("tenants_v1: %q %d (%v)", name, seats, err)
	}
}

func TestAProjectorResumesFromItsCheckpointAfterARestart(t *testing.T) {
	w := projectiontest.New(t)
	w.Append("acme", domain.SeatsChanged{Seats: 1})
	ctx, stop := context.WithCancel(context.Background())
	status := projectionsWithCancel(t, w, ctx)
	w.WaitFor(status, w.Append("acme", domain.SeatsChanged{Seats: 2}), "poisoned_v1")
	stop()
	at := w.Append("acme", domain.SeatsChanged{Seats: 3}) // while nobody projects
	w.WaitFor(w.Project(poisoned{}), at, "poisoned_v1")
	checkpoint, err := projections.LoadCheckpoint(context.Background(), w.Pool, "poisoned_v1")
	if err != nil || checkpoint.Events != 3 || checkpoint.Position != at {
		t.Fatalf("checkpoint %+v (%v): want 3 events applied, each once, up to %s", checkpoint, err, at)
	}
}

// projectionsWithCancel runs the poisoned projector until ctx ends.
func projectionsWithCancel(t *testing.T, w *projectiontest.World, ctx context.Context) *projections.Status {
	t.Helper()
	status := projections.NewStatus()
	router, err := newRouter(w, status)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- router.Run(ctx) }()
	<-router.Running()
	t.Cleanup(func() { <-done })
	return status
}

// poisoned records every event it sees and cannot apply seats of 13.
type poisoned struct{}

func (poisoned) Name() string     { return "poisoned_v1" }
func (poisoned) Tables() []string { return []string{"poisoned_v1"} }
func (poisoned) Schema() []string {
	return []string{"CREATE TABLE IF NOT EXISTS poisoned_v1 (version bigint PRIMARY KEY)"}
}
func (poisoned) Reduce(e projections.Event) []projections.Statement {
	if s, ok := e.Data.(domain.SeatsChanged); ok && s.Seats == 13 {
		return []projections.Statement{{SQL: "SELECT 1 / 0"}}
	}
	return []projections.Statement{{SQL: "INSERT INTO poisoned_v1 VALUES ($1)", Args: []any{e.Version}}}
}
