package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/publicevents"
)

// webhookBody is a public event of the usual size (a deactivation with its
// consequences), the same for every event: receivers tell them apart by
// webhook-id, which is all the bench reads.
var webhookBody = []byte(`{"specversion":"1.0","id":"evt","source":"/roster/tenants/bench","type":"user.deactivated.v1",` +
	`"subject":"u-1","time":"2026-12-03T07:00:00Z","tenant":"bench","sequence":7,"data":{"actor":"owner","reason":"left",` +
	`"status":"inactive","sessions_revoked":2,"work_moved":5,"teams_left":["t-1"],"seat_freed":true,"cancel_subscriptions":false}}`)

// webhookSide is a database with the public event log, one endpoint at a
// loopback receiver that answers 204 at once, and what it received.
type webhookSide struct {
	*side
	store    *webhooks.Store
	receiver *httptest.Server
	count    atomic.Int64
	timing   atomic.Bool // arrivals are noted, while latencies are measured
	mu       sync.Mutex
	arrived  map[string]time.Time // by webhook-id, for latencies
	next     int64                // the last position in the log
}

func openWebhookSide(ctx context.Context, e *env) (*webhookSide, error) {
	s, err := openSide(ctx, e, false)
	if err != nil {
		return nil, err
	}
	w := &webhookSide{side: s, arrived: map[string]time.Time{}}
	w.receiver = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if id := r.Header.Get("webhook-id"); id != "" && w.timing.Load() {
			w.mu.Lock()
			w.arrived[id] = time.Now()
			w.mu.Unlock()
		}
		w.count.Add(1)
		rw.WriteHeader(http.StatusNoContent)
	}))
	if err := projections.Setup(ctx, s.pool, publicevents.New()); err != nil { // the log, and the failures it is read with
		w.close()
		return nil, err
	}
	w.store = webhooks.NewStore(s.pool, s.key, webhooks.Options{AllowPrivate: true})
	if _, _, err := w.store.CreateEndpoint(ctx, "bench", webhooks.NewEndpoint{URL: w.receiver.URL, Enabled: true}); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *webhookSide) close() { w.receiver.Close(); w.side.close() }

// publish appends n complete public events to the log in one statement
// and returns the id of the last.
func (w *webhookSide) publish(ctx context.Context, n int64) (string, error) {
	from := w.next + 1
	w.next += n
	_, err := w.pool.Exec(ctx, `INSERT INTO `+publicevents.Table+` (tenant_id, position_commit, position_prepare, event_id, type, subject, at, remaining, body)
SELECT 'bench', g, g, 'evt-' || g, 'user.deactivated.v1', 'u-1', now(), 0, $3 FROM generate_series($1::bigint, $2::bigint) g`,
		from, w.next, webhookBody)
	return fmt.Sprintf("evt-%d", w.next), err
}

// runWebhooks measures webhook delivery against a plain http.Client: the
// throughput to a receiver that answers at once (of a running dispatcher,
// and of one that starts with the backlog there), and the latency from a
// public event's commit to its arrival at 200 events/s.
func runWebhooks(ctx context.Context, e *env) ([]result, error) {
	w, err := openWebhookSide(ctx, e)
	if err != nil {
		return nil, err
	}
	defer w.close()
	var base, running, starting []float64
	for range e.rounds {
		b, err := throughput(ctx, 1, e.duration, w.plainPosts())
		if err != nil {
			return nil, err
		}
		r, err := w.deliveryRate(ctx, true)
		if err != nil {
			return nil, err
		}
		s, err := w.deliveryRate(ctx, false)
		if err != nil {
			return nil, err
		}
		base, running, starting = append(base, b), append(running, r), append(starting, s)
	}
	results := []result{{name: "delivery throughput to a receiver answering at once, a running dispatcher", unit: "events/s",
		baseline: median(base), subject: median(running), target: "≥ 0.7×"},
		{name: "delivery throughput to a receiver answering at once, from a dispatcher's start", unit: "events/s",
			baseline: median(base), subject: median(starting), target: "—"}}
	for _, notify := range []bool{false, true} {
		lat, err := w.latencies(ctx, e.duration, notify)
		if err != nil {
			return nil, err
		}
		results = append(results, lat...)
	}
	return results, nil
}

// plainPosts POSTs the body to the receiver, one request per operation.
func (w *webhookSide) plainPosts() operation {
	client := &http.Client{}
	return func(ctx context.Context, _ int) (int, error) { return 1, w.post(ctx, client, "") }
}

// post POSTs the body with webhook-id id (none if "") as a plain client.
func (w *webhookSide) post(ctx context.Context, client *http.Client, id string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.receiver.URL, bytes.NewReader(webhookBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if id != "" {
		req.Header.Set("webhook-id", id)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// skipFanOut moves the fan-out past every event in the log, and drops any
// deliveries deferred for later (see infra/webhooks/deferred.go).
func (w *webhookSide) skipFanOut(ctx context.Context) error {
	if _, err := w.pool.Exec(ctx, `UPDATE webhook_fanout SET position_commit = $1, position_prepare = $1`, w.next); err != nil {
		return err
	}
	_, err := w.pool.Exec(ctx, `DELETE FROM webhook_deferred`)
	return err
}

// webhookBacklog is how many events each round of the throughput
// measurement delivers.
const webhookBacklog = 10_000

// deliveryRate appends a backlog of events to the log and returns the rate
// at which a dispatcher delivers them all: fan-out, claims, POSTs and their
// records. Running, the dispatcher has run before the backlog comes (it
// has delivered one event, as a serve process that runs for days has),
// and the rate is from the backlog's commit; otherwise it starts once the
// backlog is there, and the rate is from its start (it learns the
// endpoint's speed as it goes). A running dispatcher is woken by a NOTIFY,
// as the public events projector sends with each commit. The delivered
// rows stay, as in a running service (an emptied and analyzed table would
// mislead the planner of the next round).
func (w *webhookSide) deliveryRate(ctx context.Context, running bool) (float64, error) {
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	defer func() { stop(); <-done }()
	begin := func() { go func() { defer close(done); webhooks.NewDispatcher(w.store).Run(runCtx) }() }
	if running {
		begin()
		if err := w.publishAndWait(ctx, 1); err != nil { // the warm-up
			return 0, err
		}
	}
	want := w.count.Load() + webhookBacklog
	if _, err := w.publish(ctx, webhookBacklog); err != nil {
		return 0, err
	}
	start := time.Now()
	if !running {
		begin()
	} else if _, err := w.pool.Exec(ctx, `SELECT pg_notify($1, '')`, webhooks.PublicEventsChannel); err != nil {
		return 0, err // as the public events projector does with each commit, which wakes the fan-out
	}
	if err := w.received(ctx, want); err != nil {
		return 0, err
	}
	return webhookBacklog / time.Since(start).Seconds(), nil
}

// publishAndWait publishes n events and waits for a running dispatcher to
// deliver them.
func (w *webhookSide) publishAndWait(ctx context.Context, n int64) error {
	want := w.count.Load() + n
	if _, err := w.publish(ctx, n); err != nil {
		return err
	}
	return w.received(ctx, want)
}

// received waits for the receiver to have had want requests.
func (w *webhookSide) received(ctx context.Context, want int64) error {
	for w.count.Load() < want && ctx.Err() == nil {
		time.Sleep(time.Millisecond) // polling the receiver's count
	}
	return ctx.Err()
}

// latencyRate is the pace of the latency measurement: 200 events/s.
const latencyRate = 5 * time.Millisecond

// latencies publishes one event every latencyRate for d, with a running
// dispatcher, and times each from its commit to its arrival (the subject),
// against committing it and POSTing its body at once (the baseline). With
// notify, each commit is followed by a NOTIFY on PublicEventsChannel, as
// the public events projector may send.
func (w *webhookSide) latencies(ctx context.Context, d time.Duration, notify bool) ([]result, error) {
	w.timing.Store(true) // only here: the throughput's receiver does for the dispatcher's requests what it does for the baseline's
	defer w.timing.Store(false)
	client := &http.Client{}
	baseline, err := w.paced(ctx, d, func(id string) error { return w.post(ctx, client, id) })
	if err != nil {
		return nil, err
	}
	if err := w.skipFanOut(ctx); err != nil { // the baseline's events were delivered by hand
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); webhooks.NewDispatcher(w.store).Run(runCtx) }()
	defer func() { stop(); <-done }()
	subject, err := w.paced(ctx, d, func(string) error {
		if notify {
			_, err := w.pool.Exec(ctx, `SELECT pg_notify($1, '')`, webhooks.PublicEventsChannel)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	how := "polled every 25 ms"
	if notify {
		how = "woken by NOTIFY"
	}
	name := "committed → received at 200 events/s (" + how + ") vs POST after the commit, "
	return []result{latencyResult(name+"p50", baseline, subject, 0.5, "—"),
		latencyResult(name+"p99", baseline, subject, 0.99, "p99 < 100 ms")}, nil
}

// paced publishes one event every latencyRate for d, calls then after each
// commit, and returns each event's time from its commit to its arrival.
func (w *webhookSide) paced(ctx context.Context, d time.Duration, then func(id string) error) ([]time.Duration, error) {
	committed := map[string]time.Time{}
	tick := time.NewTicker(latencyRate)
	defer tick.Stop()
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		id, err := w.publish(ctx, 1)
		if err != nil {
			return nil, err
		}
		committed[id] = time.Now()
		if err := then(id); err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	var times []time.Duration
	for id, at := range committed {
		for {
			w.mu.Lock()
			arrived, ok := w.arrived[id]
			w.mu.Unlock()
			if ok {
				times = append(times, arrived.Sub(at))
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%s did not arrive within 30 s", id)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return times, nil
}
