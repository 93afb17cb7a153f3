package webhooks_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/webhooks"
)

// Deferred deliveries whose owner died (it stopped touching their row) are
// taken over by another process and delivered, each event once.
func TestDeferredDeliveriesOfADeadProcessAreTakenOver(t *testing.T) {
	t.Parallel()
	w, s, rc := answeringAtOnce(t)
	e := acmesEndpoint(t, s)
	const events = 600
	w.publishMany(t, "acme", "user.activated.v1", events)
	first := w.next.Load() - events + 1
	// As a process that died would leave them: fanned out past, deferred
	// from the first on, and owned by it, touched just before it died.
	if _, err := w.pool.Exec(bg, `UPDATE webhook_fanout SET position_commit = $1, position_prepare = $1`, w.next.Load()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(bg, `INSERT INTO webhook_deferred (tenant_id, endpoint_id, position_commit, position_prepare, owner, touched_at)
VALUES ('acme', $1, $2, $2, 'dead', now())`, e.ID, first); err != nil {
		t.Fatal(err)
	}
	run(t, s)
	eventually(t, 30*time.Second, "every deferred event delivered", func() bool { return len(rc.ids()) == events })
	if n := len(rc.requests()); n != events {
		t.Errorf("the receiver got %d requests for %d events", n, events)
	}
	eventually(t, 10*time.Second, "the deferred row gone", func() bool { return deferredRows(t, w) == 0 })
}

// A dispatcher that stops lets go of its deferred deliveries at once, so
// that another process need not wait for their row to go stale.
func TestAStoppingDispatcherLetsGoOfItsDeferredDeliveries(t *testing.T) {
	t.Parallel()
	w, s, rc := answeringAtOnce(t)
	ctx, stop := context.WithCancel(bg)
	stopped := make(chan struct{})
	go func() { defer close(stopped); webhooks.NewDispatcher(s).Run(ctx) }()
	w.publish(t, "acme", "user.activated.v1")
	eventually(t, 10*time.Second, "the first delivery, which makes the endpoint fast", func() bool { return len(rc.ids()) == 1 })
	const events = 3000 // beyond any window (a quick endpoint holds 2,048): deferred
	w.publishMany(t, "acme", "user.activated.v1", events)
	eventually(t, 30*time.Second, "deliveries deferred", func() bool { return deferredRows(t, w) == 1 })
	stop()
	<-stopped
	var owned int
	if err := w.pool.QueryRow(bg, `SELECT count(*) FROM webhook_deferred WHERE owner IS NOT NULL`).Scan(&owned); err != nil {
		t.Fatal(err)
	}
	if owned != 0 {
		t.Fatalf("%d deferred rows still owned by the stopped dispatcher; want them let go", owned)
	}
	run(t, s)
	eventually(t, time.Minute, "every event delivered by the next dispatcher", func() bool { return len(rc.ids()) == events+1 })
}

// acmesEndpoint is s's one endpoint of acme.
func acmesEndpoint(t *testing.T, s *webhooks.Store) webhooks.Endpoint {
	t.Helper()
	list, err := s.ListEndpoints(bg, "acme")
	if err != nil || len(list) != 1 {
		t.Fatalf("acme's endpoints: %v, %v", list, err)
	}
	return list[0]
}

// deferredRows counts the rows of webhook_deferred.
func deferredRows(t *testing.T, w *world) int {
	t.Helper()
	var n int
	if err := w.pool.QueryRow(bg, `SELECT count(*) FROM webhook_deferred`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An endpoint deleted while its backlog is being sent rowless costs the
// other endpoints nothing: their deliveries, recorded in the same batches,
// are each sent once (a batch that failed on the deleted endpoint's rows
// would have them all sent again). And none of its deliveries is left,
// neither those written before nor those whose attempts ended after: no
// foreign key deletes them (see migration 00017).
func TestDeletingAnEndpointDuringItsBacklogCostsTheOthersNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.storeWithDefaults()
	acme, globex := newReceiver(t, answering(http.StatusNoContent)), newReceiver(t, answering(http.StatusNoContent))
	gone, _ := endpoint(t, s, "acme", acme.URL)
	endpoint(t, s, "globex", globex.URL)
	ctx, stop := context.WithCancel(bg)
	stopped := make(chan struct{})
	go func() { defer close(stopped); webhooks.NewDispatcher(s).Run(ctx) }()
	defer func() { stop(); <-stopped }()
	w.publish(t, "acme", "user.activated.v1")
	w.publish(t, "globex", "user.activated.v1")
	eventually(t, 10*time.Second, "the first deliveries, which make both endpoints fast", func() bool {
		return len(acme.ids()) == 1 && len(globex.ids()) == 1
	})
	const events = 3000
	w.publishMany(t, "acme", "user.activated.v1", events)
	w.publishMany(t, "globex", "user.activated.v1", events)
	eventually(t, 30*time.Second, "acme's backlog under way", func() bool { return len(acme.requests()) > 200 })
	if err := s.DeleteEndpoint(bg, "acme", gone.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "globex's backlog delivered", func() bool { return len(globex.ids()) == events+1 })
	if n := len(globex.requests()); n != events+1 {
		t.Errorf("globex's receiver got %d requests for %d events; want each once", n, events+1)
	}
	stop()
	<-stopped // every attempt ended and written, or given back
	if left := w.deliveriesOf(t, "acme", gone.ID); left != 0 {
		t.Errorf("%d deliveries of the deleted endpoint are left", left)
	}
}

// A backlog handed out from a deferred row goes by each endpoint's filter
// as the fan-out's does: an endpoint of one event type gets just those,
// another of every type gets all of them, each once. (The deferred read
// takes the endpoint's filter as values: an empty list must still mean
// every type.)
func TestABacklogGoesByEachEndpointsEventTypes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.storeWithDefaults()
	every, invited := newReceiver(t, answering(http.StatusNoContent)), newReceiver(t, answering(http.StatusNoContent))
	endpoint(t, s, "acme", every.URL)
	endpoint(t, s, "acme", invited.URL, "user.invited.v1")
	run(t, s)
	w.publish(t, "acme", "user.invited.v1") // which makes both fast
	eventually(t, 10*time.Second, "the first delivery to each", func() bool {
		return len(every.ids()) == 1 && len(invited.ids()) == 1
	})
	const each = 400 // beyond deferBeyond in any page: deferred
	if _, err := w.appendOfTypes("acme", []string{"user.activated.v1", "user.invited.v1"}, 2*each); err != nil {
		t.Fatal(err) // one after the other: each endpoint's deferred range holds both types
	}
	eventually(t, time.Minute, "every delivery", func() bool {
		return len(every.ids()) == 1+2*each && len(invited.ids()) == 1+each
	})
	if n := len(every.requests()); n != 1+2*each {
		t.Errorf("the endpoint of every type got %d requests for %d events", n, 1+2*each)
	}
	got := invited.requests()
	if len(got) != 1+each {
		t.Errorf("the endpoint of user.invited.v1 got %d requests for %d such events", len(got), 1+each)
	}
	for _, r := range got {
		if !strings.Contains(string(r.body), `"type":"user.invited.v1"`) {
			t.Fatalf("the endpoint of user.invited.v1 got %s", r.body)
		}
	}
}
