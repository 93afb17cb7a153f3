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
		if id := r.Header.Get("webhook-id"); id != "" {
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
// throughput to a receiver that answers at once, and the latency from a
// public event's commit to its arrival at 200 events/s.
func runWebhooks(ctx context.Context, e *env) ([]result, error) {
	w, err := openWebhookSide(ctx, e)
	if err != nil {
		return nil, err
	}
	defer w.close()
	var base, subj []float64
	for range e.rounds {
		b, err := throughput(ctx, 1, e.duration, w.plainPosts())
		if err != nil {
			return nil, err
		}
		s, err := w.deliveryRate(ctx)
		if err != nil {
			return nil, err
		}
		base, subj = append(base, b), append(subj, s)
	}
	results := []result{{name: "delivery throughput to a receiver answering at once", unit: "events/s",
		baseline: median(base), subject: median(subj), target: "≥ 0.7×"}}
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

// skipFanOut moves the fan-out past every event in the log.
func (w *webhookSide) skipFanOut(ctx context.Context) error {
	_, err := w.pool.Exec(ctx, `UPDATE webhook_fanout SET position_commit = $1, position_prepare = $1`, w.next)
	return err
}

// webhookBacklog is how many events each round of the throughput
// measurement delivers.
const webhookBacklog = 10_000

// deliveryRate appends a backlog of events to the log, runs a dispatcher
// until the receiver has them all, and returns the rate from its start:
// fan-out, claims, POSTs and their records. The delivered rows stay, as in
// a running service (an emptied and analyzed table would mislead the
// planner of the next round).
func (w *webhookSide) deliveryRate(ctx context.Context) (float64, error) {
	if _, err := w.publish(ctx, webhookBacklog); err != nil {
		return 0, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	want, start := w.count.Load()+webhookBacklog, time.Now()
	go func() { defer close(done); webhooks.NewDispatcher(w.store).Run(runCtx) }()
	for w.count.Load() < want && ctx.Err() == nil {
		time.Sleep(time.Millisecond) // polling the receiver's count
	}
	elapsed := time.Since(start)
	stop()
	<-done
	return webhookBacklog / elapsed.Seconds(), ctx.Err()
}

// latencyRate is the pace of the latency measurement: 200 events/s.
const latencyRate = 5 * time.Millisecond

// latencies publishes one event every latencyRate for d, with a running
// dispatcher, and times each from its commit to its arrival (the subject),
// against committing it and POSTing its body at once (the baseline). With
// notify, each commit is followed by a NOTIFY on PublicEventsChannel, as
// the public events projector may send.
func (w *webhookSide) latencies(ctx context.Context, d time.Duration, notify bool) ([]result, error) {
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
