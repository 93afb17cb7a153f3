package projectionfeed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/tenants"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// appendEvents stores domain events in a tenant's stream.
func appendEvents(t *testing.T, s *pgstore.Store, tenant string, events ...domain.Event) eventstore.AppendResult {
	t.Helper()
	meta, _ := json.Marshal(domain.Metadata{Tenant: domain.TenantID(tenant), Actor: domain.OperatorActor()})
	batch := make([]eventstore.NewEvent, len(events))
	for i, e := range events {
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := domain.SchemaVersion(e.EventType())
		batch[i] = eventstore.NewEvent{ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: v, Payload: payload, Metadata: meta, OccurredAt: time.Now()}
	}
	res, err := s.Append(ctx, "tenant-"+tenant, eventstore.Any(), batch)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// startRouter runs the projectors until the test ends (or stop is called).
func startRouter(t *testing.T, pool *pgxpool.Pool, store *pgstore.Store, status *projections.Status, ps ...projections.Projector) (stop func()) {
	t.Helper()
	router, err := projectionfeed.NewRouter(ctx, projectionfeed.RouterConfig{Pool: pool, Feed: store, Projectors: ps,
		Status: status, Logger: slog.New(slog.DiscardHandler), Retries: 2, RetryInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- router.Run(ctx) }()
	<-router.Running()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			_ = router.Close()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, status *projections.Status, at eventstore.Position, names ...string) error {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return status.WaitFor(wctx, projections.Position{Commit: at.Commit, Prepare: at.Prepare}, names...)
}

func newDB(t *testing.T) (*pgxpool.Pool, *pgstore.Store) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	store := pgstore.New(pool, pgstore.Options{})
	t.Cleanup(store.Close)
	return pool, store
}

func TestAProjectorCatchesUpThenFollowsLiveAndResumesFromItsCheckpoint(t *testing.T) {
	pool, store := newDB(t)
	policy, _ := domain.PresetPolicy(domain.PresetHelpdesk)
	appendEvents(t, store, "acme", domain.TenantCreated{Tenant: "acme", Name: "Acme", Preset: domain.PresetHelpdesk, Policy: policy},
		domain.SeatsChanged{Seats: 5})
	status := projections.NewStatus()
	stop := startRouter(t, pool, store, status, tenants.New())
	at := appendEvents(t, store, "acme", domain.SeatsChanged{Seats: 7, Previous: 5}).Position
	if err := waitFor(t, status, at, tenants.Table); err != nil {
		t.Fatal(err)
	}
	var seats int
	var name string
	if err := pool.QueryRow(ctx, "SELECT name, seats_purchased FROM tenants_v1 WHERE id = 'acme'").Scan(&name, &seats); err != nil || seats != 7 || name != "Acme" {
		t.Fatalf("tenants_v1: %q %d (%v)", name, seats, err)
	}
	stop()
	at = appendEvents(t, store, "acme", domain.SeatsChanged{Seats: 9, Previous: 7}).Position // while nobody projects
	restarted := projections.NewStatus()
	startRouter(t, pool, store, restarted, tenants.New())
	if err := waitFor(t, restarted, at, tenants.Table); err != nil {
		t.Fatal(err)
	}
	checkpoint, err := projections.LoadCheckpoint(ctx, pool, tenants.Table)
	if err != nil || checkpoint.Events != 4 || checkpoint.Position != (projections.Position{Commit: at.Commit, Prepare: at.Prepare}) {
		t.Fatalf("checkpoint %+v (%v): want 4 events applied, each once, up to %s", checkpoint, err, at)
	}
}

// poisoned records every event it sees and cannot apply seats of 13.
type poisoned struct{}

func (poisoned) Name() string { return "poisoned_v1" }
func (poisoned) Schema() []string {
	return []string{"CREATE TABLE IF NOT EXISTS poisoned_v1 (version bigint PRIMARY KEY)"}
}
func (poisoned) Reduce(e projections.Event) []projections.Statement {
	if s, ok := e.Data.(domain.SeatsChanged); ok && s.Seats == 13 {
		return []projections.Statement{{SQL: "SELECT 1 / 0"}}
	}
	return []projections.Statement{{SQL: "INSERT INTO poisoned_v1 VALUES ($1)", Args: []any{e.Version}}}
}

func TestAPoisonEventStopsItsProjectorWithoutSkippingAnything(t *testing.T) {
	pool, store := newDB(t)
	var events []domain.Event
	for seats := 10; seats <= 16; seats++ { // the batch holds events before and after the poison one
		events = append(events, domain.SeatsChanged{Seats: seats})
	}
	last := appendEvents(t, store, "acme", events...).Position
	status := projections.NewStatus()
	startRouter(t, pool, store, status, poisoned{}, tenants.New())
	err := waitFor(t, status, last, "poisoned_v1")
	if err == nil {
		t.Fatal("the poisoned projector reports that it reached the end")
	}
	var applied []int64
	rows, _ := pool.Query(ctx, "SELECT version FROM poisoned_v1 ORDER BY version")
	for rows.Next() {
		var v int64
		_ = rows.Scan(&v)
		applied = append(applied, v)
	}
	if fmt.Sprint(applied) != "[1 2 3]" {
		t.Fatalf("applied versions %v, want exactly those before the poison event (1 2 3)", applied)
	}
	checkpoint, _ := projections.LoadCheckpoint(ctx, pool, "poisoned_v1")
	if checkpoint.Events != 3 || checkpoint.Error == "" {
		t.Fatalf("checkpoint %+v: want 3 events and the failure recorded", checkpoint)
	}
	if err := waitFor(t, status, last, tenants.Table); err != nil {
		t.Fatalf("another projector must keep going: %v", err)
	}
}
