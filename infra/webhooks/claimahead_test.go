package webhooks_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosterhq/roster/infra/webhooks"
)

// claims is how many claim statements d's workers have run.
func claims(t *testing.T, d *webhooks.Dispatcher) float64 {
	t.Helper()
	return metric(t, d, "roster_webhook_claims_total").GetCounter().GetValue()
}

// slowAttempts is how many of d's attempts took longer than fastAttempt
// (250 ms), each of which made its endpoint slow until the next.
func slowAttempts(t *testing.T, d *webhooks.Dispatcher) int {
	t.Helper()
	h := metric(t, d, "roster_webhook_attempt_duration_seconds").GetHistogram()
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() == 0.25 {
			return int(h.GetSampleCount() - b.GetCumulativeCount())
		}
	}
	t.Fatal("the attempt duration histogram has no 250 ms bucket")
	return 0
}

// metric is d's metric of that name.
func metric(t *testing.T, d *webhooks.Dispatcher, name string) *dto.Metric {
	t.Helper()
	for _, c := range d.Collectors() {
		descs := make(chan *prometheus.Desc, 1)
		c.Describe(descs)
		if !strings.Contains((<-descs).String(), `"`+name+`"`) {
			continue
		}
		metrics := make(chan prometheus.Metric, 1)
		c.Collect(metrics)
		var m dto.Metric
		if err := (<-metrics).Write(&m); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	t.Fatalf("the dispatcher has no %s", name)
	return nil
}

// answeringAtOnce is a world whose store (the tests' options) has one
// endpoint of tenant acme, at a receiver that answers 204 at once.
func answeringAtOnce(t *testing.T) (*world, *webhooks.Store, *receiver) {
	t.Helper()
	w := newWorld(t)
	s := w.storeWithDefaults()
	rc := newReceiver(t, answering(http.StatusNoContent))
	endpoint(t, s, "acme", rc.URL)
	return w, s, rc
}

// An endpoint that answers at once has its deliveries claimed ahead, many
// per claim statement, instead of one claim per freed slot (which made a
// busy endpoint cost a statement per attempt); each event is still sent
// once.
func TestABusyEndpointsDeliveriesAreClaimedManyAtATime(t *testing.T) {
	t.Parallel()
	w, s, rc := answeringAtOnce(t)
	const events = 2000
	for range events {
		w.publish(t, "acme", "user.activated.v1")
	}
	d := run(t, s)
	eventually(t, time.Minute, "every event delivered", func() bool { return len(rc.ids()) == events })
	if n := len(rc.requests()); n != events {
		t.Errorf("the receiver got %d requests for %d events", n, events)
	}
	n := claims(t, d)
	t.Logf("%d deliveries in %.0f claims", events, n)
	if n > events/20 {
		t.Errorf("%.0f claims for %d deliveries to one fast endpoint; want at most %d", n, events, events/20)
	}
}

// The deliveries a dispatcher has claimed and not yet sent when it stops
// are given back at once, not left to their leases: another process sends
// them straight away, and each event reaches the receiver once.
func TestDeliveriesClaimedAndNotSentAreGivenBackWhenTheDispatcherStops(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	opts := func(o *webhooks.Options) { o.Timeout = 5 * time.Second } // leases of 11 s
	w := newWorld(t)
	o := w.options()
	opts(&o)
	s := w.store(o)
	// The first eight answer at once (the endpoint is fast); the rest wait
	// for hold, so that the dispatcher stops with deliveries claimed ahead.
	rc := newReceiver(t, func(n int, rw http.ResponseWriter, r *http.Request) {
		if n > 8 {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	e, _ := endpoint(t, s, "acme", rc.URL)
	const events = 300
	for range events {
		w.publish(t, "acme", "user.activated.v1")
	}

	ctx, stop := context.WithCancel(bg)
	stopped := make(chan struct{})
	go func() { defer close(stopped); webhooks.NewDispatcher(s).Run(ctx) }()
	// Its next attempts under way: PerEndpoint of them, or twice as many
	// if the first were answered within 10 ms.
	eventually(t, 10*time.Second, "the fast endpoint's next attempts under way", func() bool { return len(rc.requests()) >= 16 })
	stop()
	close(hold) // the attempts under way are answered and recorded as the dispatcher stops
	<-stopped

	leased := 0
	for _, dl := range deliveries(t, s, e) {
		if dl.State == webhooks.Pending && time.Until(dl.NextAttemptAt) > time.Second {
			leased++
		}
	}
	if leased > 0 {
		t.Fatalf("%d deliveries are still leased to the stopped dispatcher; want every unsent one given back", leased)
	}
	began := time.Now()
	run(t, s)
	// The leases taken before the stop end 11 s after their claims: 8 s
	// from here is before any of them, even on a loaded machine.
	eventually(t, 8*time.Second, "every event delivered by the next dispatcher, before any lease ends", func() bool {
		return len(rc.ids()) == events
	})
	t.Logf("the next dispatcher delivered the rest in %s", time.Since(began))
	if n := len(rc.requests()); n != events {
		t.Errorf("the receiver got %d requests for %d events", n, events)
	}
}

// Once an endpoint is fast, the fan-out queues its new deliveries leased
// to its own process and hands them to the workers: they are sent without
// a claim statement each.
func TestAFastEndpointsNewDeliveriesAreSentWithoutAClaimEach(t *testing.T) {
	t.Parallel()
	w, s, rc := answeringAtOnce(t)
	d := run(t, s)
	w.publish(t, "acme", "user.activated.v1")
	eventually(t, 10*time.Second, "the first delivery, which makes the endpoint fast", func() bool { return len(rc.ids()) == 1 })
	before := claims(t, d)
	const events = 100
	for i := range events {
		w.publish(t, "acme", "user.activated.v1")
		eventually(t, 10*time.Second, "the delivery", func() bool { return len(rc.ids()) == i+2 })
	}
	n := claims(t, d) - before
	t.Logf("%d deliveries, one at a time, in %.0f claims", events, n)
	// Claimed one by one, each would cost a claim or two; the workers' own
	// look, about once a second while idle, is the rest.
	if n > events/4 {
		t.Errorf("%.0f claims for %d deliveries queued one at a time to a fast endpoint; want at most %d", n, events, events/4)
	}
}

// knownFast is a running dispatcher whose one endpoint, at a receiver
// answering at once, has delivered once: the dispatcher knows it is fast.
func knownFast(t *testing.T, w *world, s *webhooks.Store, rc *receiver) *webhooks.Dispatcher {
	t.Helper()
	d := run(t, s)
	w.publish(t, "acme", "user.activated.v1")
	eventually(t, 10*time.Second, "the first delivery, which makes the endpoint fast", func() bool { return len(rc.ids()) == 1 })
	return d
}

// A backlog for a fast endpoint (a bulk's thousands of events, committed at
// once) is fanned out leased to its process as its window frees, not
// queued for claims: where all the fan-out could queue beyond the window
// is that endpoint's, it waits for room instead of writing rows that only
// a claim each could take (which cost a statement and a write per
// delivery on top of the fan-out's).
func TestAFastEndpointsBacklogIsSentWithoutClaims(t *testing.T) {
	t.Parallel()
	w, s, rc := answeringAtOnce(t)
	d := knownFast(t, w, s, rc)
	before := claims(t, d)
	const events = 5000
	began := time.Now()
	w.publishMany(t, "acme", "user.activated.v1", events)
	eventually(t, time.Minute, "every event delivered", func() bool { return len(rc.ids()) == events+1 })
	took := time.Since(began)
	if n := len(rc.requests()); n != events+1 {
		t.Errorf("the receiver got %d requests for %d events", n, events+1)
	}
	n := claims(t, d) - before
	t.Logf("a backlog of %d deliveries in %s and %.0f claims (%d attempts slower than 250 ms)", events, took, n, slowAttempts(t, d))
	// The workers look for other endpoints' deliveries about once a
	// second while they have free slots: those claims are not the
	// backlog's, which took one per hundred-odd deliveries before (and one
	// per delivery before that). Under a heavy load an attempt may take
	// longer than fastAttempt, and the endpoint is then slow until the
	// next: it gives back its window (up to 8 × 256), claimed again 256 at
	// a time, and a page of its backlog is queued for claims.
	slow := slowAttempts(t, d)
	if most := 2 + int(took/time.Second) + 10*slow; n > float64(most) {
		t.Errorf("%.0f claims for a backlog of %d deliveries to a fast endpoint in %s; want at most %d (a look a second)",
			n, events, took, most)
	}
	// And each is written once, by its first attempt (see rowless.go): a
	// delivery so written was next due when that attempt was made. A slow
	// attempt may have a window and a page queued the old way.
	var once int
	if err := w.pool.QueryRow(bg, `SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered' AND next_attempt_at = last_attempt_at`).
		Scan(&once); err != nil {
		t.Fatal(err)
	}
	if least := events - slow*(8*256+500); once < least {
		t.Errorf("%d of a backlog of %d deliveries were written once, by their attempt; want at least %d", once, events, least)
	}
}

// The fan-out waits for a fast endpoint's window only while nothing else
// is behind it: another tenant's event committed behind a backlog is
// queued at once and delivered while the backlog is still held up.
func TestAnotherTenantsEventIsNotHeldBehindABacklog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.options()
	o.Timeout = time.Minute // acme's held attempts do not end (and make it slow) while the test waits
	s := w.store(o)
	// After the first 100 attempts, acme's receiver holds every answer
	// until globex's event has arrived (or 30 s, and the test fails).
	globexArrived := make(chan struct{})
	var once sync.Once
	other := newReceiver(t, func(_ int, rw http.ResponseWriter, _ *http.Request) {
		once.Do(func() { close(globexArrived) })
		rw.WriteHeader(http.StatusNoContent)
	})
	rc := newReceiver(t, func(n int, rw http.ResponseWriter, r *http.Request) {
		if n > 100 {
			select {
			case <-globexArrived:
			case <-time.After(30 * time.Second):
			case <-r.Context().Done():
			}
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	endpoint(t, s, "acme", rc.URL)
	endpoint(t, s, "globex", other.URL)
	knownFast(t, w, s, rc)
	w.publishMany(t, "acme", "user.activated.v1", 3000)
	eventually(t, 10*time.Second, "acme's receiver holding its answers", func() bool { return len(rc.requests()) > 100 })
	w.publish(t, "globex", "user.activated.v1")
	select {
	case <-globexArrived:
	case <-time.After(20 * time.Second):
		t.Fatal("globex's event, committed behind acme's backlog, was not delivered while acme's receiver held its answers")
	}
	eventually(t, time.Minute, "acme's backlog delivered once globex's event arrived", func() bool { return len(rc.ids()) == 3001 })
}
