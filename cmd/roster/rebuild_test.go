package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/readapi"
)

// seedSealed stores a tenant with n invited and activated users through the
// sealing store: a history a rebuild takes a while over.
func seedSealed(t *testing.T, svc *wiring.Services, tenant domain.TenantID, n int) {
	for _, batch := range projectiontest.InvitedUsers(t, tenant, n) {
		appendSealed(t, svc, tenant, batch)
	}
}

func appendSealed(t *testing.T, svc *wiring.Services, tenant domain.TenantID, events []domain.Event) {
	meta, _ := json.Marshal(domain.Metadata{Tenant: tenant, Actor: domain.OperatorActor()})
	out := make([]eventstore.NewEvent, len(events))
	for i, e := range events {
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := domain.SchemaVersion(e.EventType())
		out[i] = eventstore.NewEvent{ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: v, Payload: payload, Metadata: meta, OccurredAt: time.Now()}
	}
	if _, err := svc.Sealed.Append(bg, "tenant-"+string(tenant), eventstore.Any(), out); err != nil {
		t.Fatal(err)
	}
}

// projectionState reads one item of GET /v1/projections.
func projectionState(t *testing.T, base, name string) readapi.ProjectionState {
	t.Helper()
	var body struct{ Items []readapi.ProjectionState }
	if status := getJSON(t, base+"/v1/projections", &body); status != http.StatusOK {
		t.Fatalf("GET /v1/projections: %d", status)
	}
	for _, s := range body.Items {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("GET /v1/projections lists no %s", name)
	return readapi.ProjectionState{}
}

// POST /v1/projections/{name}/rebuild starts a rebuild in the process
// running the projectors; while it runs, GET /v1/projections shows the read
// model as rebuilding, with its progress; afterwards, live again, the
// rebuild done. (The rebuild is held mid-way by locking its checkpoint row,
// so that "during" is a state the test controls, not a race.)
func TestAProjectionRebuildStartedOverHTTPShowsItsProgress(t *testing.T) {
	svc, server := serviceOnFreshDatabase(t)
	seedSealed(t, svc, "big", 3000)
	expect(t, "rebuild of nothing", call(t, server.URL, "POST", "/v1/projections/nothing_v1/rebuild", "op-token", nil), http.StatusNotFound, "not_found")
	r := expect(t, "rebuild", call(t, server.URL, "POST", "/v1/projections/users_v2/rebuild", "op-token", nil), http.StatusAccepted, "")
	if r.Body["state"] != "rebuilding" {
		t.Fatalf("the rebuild's reply: %s", r.Raw)
	}
	hold := holdRebuild(t, svc, "users_v2_rebuild")
	during := projectionState(t, server.URL, "users_v2")
	if during.State != "rebuilding" || during.Rebuild == nil || during.Rebuild.State != "rebuilding" ||
		during.Rebuild.EventsDone <= 0 || during.Rebuild.EventsTotal <= during.Rebuild.EventsDone {
		t.Fatalf("during the rebuild, GET /v1/projections shows %+v (rebuild %+v)", during, during.Rebuild)
	}
	hold()
	deadline := time.Now().Add(60 * time.Second)
	for s := projectionState(t, server.URL, "users_v2"); s.Rebuild.State != "done"; s = projectionState(t, server.URL, "users_v2") {
		if time.Now().After(deadline) || s.Rebuild.State == "failed" {
			t.Fatalf("the rebuild did not finish within 60 s: %+v", s.Rebuild)
		}
		time.Sleep(20 * time.Millisecond) // polling the projectors' committed state
	}
}

// holdRebuild waits (with a deadline) until the rebuilt projector has
// applied a batch, then locks its checkpoint row, which its next batch and
// the swap both must lock: the rebuild stands still, mid-way, until the
// returned release.
func holdRebuild(t *testing.T, svc *wiring.Services, rebuilt string) (release func()) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		tx, err := svc.Pool.Begin(bg)
		if err != nil {
			t.Fatal(err)
		}
		var events int64
		err = tx.QueryRow(bg, `SELECT events FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, rebuilt).Scan(&events)
		if err == nil && events > 0 {
			var once sync.Once
			release = func() { once.Do(func() { _ = tx.Rollback(context.Background()) }) }
			t.Cleanup(release) // a failing test must not leave the pool waiting for this connection
			return release
		}
		_ = tx.Rollback(bg)
		if time.Now().After(deadline) {
			t.Fatalf("the rebuild applied nothing within 60 s (%v)", err)
		}
		time.Sleep(2 * time.Millisecond) // polling the projectors' committed state
	}
}
