package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/publicevents"
)

// Lifecycle events out, on the service as serve wires it (the projectors,
// the public events projector among them, and the webhook dispatcher):
const (
	hookRate        = 200 // commands/s, for hookSeconds
	hookSeconds     = 30
	hookConcurrency = 16 // deliveries at once: ROSTER_WEBHOOKS_CONCURRENCY's default
)

// runWebhooks measures the time from a command's answer (its events
// stored) to its webhook's arrival at a loopback receiver, at 200
// commands/s for 30 s; and the throughput of webhook delivery to a receiver
// that answers at once against a plain Go HTTP client posting the same
// bodies, with as many requests at once as the dispatcher sends.
func runWebhooks(ctx context.Context, e *env) ([]result, error) {
	s, err := openSide(ctx, e, true)
	if err != nil {
		return nil, err
	}
	defer s.close()
	log := slog.New(slog.DiscardHandler)
	svc, err := wiring.Open(ctx, s.pool, s.key, config.EventStore{}, passwords.TestParams(), wiring.Access{}, log)
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	svc.ConfigureWebhooks(webhooks.Options{AllowPrivate: true, Concurrency: hookConcurrency, Logger: log})
	running, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { wiring.RunProjectors(running, s.pool, svc, projections.NewStatus(), log) })
	wg.Go(func() { wiring.RunWebhooks(running, svc) })
	defer func() { stop(); wg.Wait() }()

	rec := newArrivals()
	defer rec.Close()
	const tenant = "hooks"
	if _, err := svc.Commands.CreateTenant.Handle(ctx, execution.Envelope{Tenant: tenant}, commands.CreateTenant{Actor: domain.OperatorActor(),
		Tenant: tenant, Name: "Hooks", Seats: 1_000_000, Owner: commands.NewOwner{ID: "owner", Email: "o@hooks.test", Name: "Owner",
			Password: "owner pass phrase"}}); err != nil {
		return nil, err
	}
	endpoint, _, err := svc.Webhooks.CreateEndpoint(ctx, tenant, webhooks.NewEndpoint{URL: rec.URL, Enabled: true,
		Types: []string{publicevents.TypeUserInvited}})
	if err != nil {
		return nil, err
	}
	lags, err := paceInvitations(ctx, svc, tenant, rec)
	if err != nil {
		return nil, err
	}
	fmt.Printf("append → webhook received at %d commands/s for %d s (invitations, one endpoint, loopback receiver): p50 %s, p99 %s, max %s (target p99 < 100 ms)\n",
		hookRate, hookSeconds, quantileOf(lags, 0.50), quantileOf(lags, 0.99), quantileOf(lags, 1))
	throughput, err := deliveryThroughput(ctx, e, svc, tenant, endpoint.ID, rec)
	if err != nil {
		return nil, err
	}
	return throughput, nil
}

// arrivals is a loopback receiver that answers 200 at once and notes when
// each user's invitation arrived (the event's subject), and how many
// deliveries came.
type arrivals struct {
	*httptest.Server
	mu    sync.Mutex
	at    map[string]time.Time
	count atomic.Int64
}

func newArrivals() *arrivals {
	a := &arrivals{at: map[string]time.Time{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		var event struct {
			Subject string `json:"subject"`
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &event)
		a.mu.Lock()
		if _, seen := a.at[event.Subject]; !seen {
			a.at[event.Subject] = now
		}
		a.mu.Unlock()
		a.count.Add(1)
	}))
	return a
}

func (a *arrivals) arrived(subject string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[subject]
	return t, ok
}

// paceInvitations invites users at hookRate for hookSeconds and returns,
// for each, the time from the command's answer to its webhook's arrival.
func paceInvitations(ctx context.Context, svc *wiring.Services, tenant domain.TenantID, rec *arrivals) ([]time.Duration, error) {
	n := hookRate * hookSeconds
	answered := make([]time.Time, n)
	errs := make(chan error, n)
	tick := time.NewTicker(time.Second / hookRate)
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range n {
		<-tick.C
		wg.Go(func() {
			_, err := svc.Commands.InviteUser.Handle(ctx, execution.Envelope{Tenant: tenant}, commands.InviteUser{Actor: domain.OperatorActor(),
				User: domain.UserID(fmt.Sprintf("h-%d", i)), Email: fmt.Sprintf("h%d@hooks.test", i), Name: "Hooked", Role: domain.RoleMember})
			answered[i] = time.Now()
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	lags := make([]time.Duration, n)
	deadline := time.Now().Add(time.Minute)
	for i := range n {
		for {
			at, ok := rec.arrived(fmt.Sprintf("h-%d", i))
			if ok {
				lags[i] = at.Sub(answered[i])
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("the invitation of h-%d was not delivered within a minute", i)
			}
			if err := pause.For(ctx, 10*time.Millisecond); err != nil {
				return nil, err
			}
		}
	}
	return lags, nil
}

// deliveryThroughput replays every invitation told to the endpoint (the
// dispatcher signs and sends each, recording its attempt) against the same
// bodies posted by a plain Go client in a loop (the baseline) and
// with as many requests at once as the dispatcher, in alternating rounds.
func deliveryThroughput(ctx context.Context, e *env, svc *wiring.Services, tenant domain.TenantID, endpoint string, rec *arrivals) ([]result, error) {
	page, err := publicevents.Page(ctx, svc.Pool, publicevents.Filter{Tenant: tenant, Types: []string{publicevents.TypeUserInvited}, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, len(page))
	for i, t := range page {
		bodies[i] = t.Body
	}
	concurrency := hookConcurrency
	var roster, plain, parallel []float64
	for range e.rounds {
		started, from := time.Now(), rec.count.Load()
		if _, err := svc.Webhooks.Replay(ctx, tenant, endpoint, eventstore.Position{}); err != nil {
			return nil, err
		}
		for rec.count.Load()-from < int64(len(bodies)) {
			if err := pause.For(ctx, time.Millisecond); err != nil {
				return nil, err
			}
		}
		roster = append(roster, float64(len(bodies))/time.Since(started).Seconds())
		for _, at := range []struct {
			n    int
			into *[]float64
		}{{1, &plain}, {concurrency, &parallel}} {
			started = time.Now()
			if err := postAll(ctx, rec.URL, bodies, at.n); err != nil {
				return nil, err
			}
			*at.into = append(*at.into, float64(len(bodies))/time.Since(started).Seconds())
		}
	}
	what := fmt.Sprintf("webhook deliveries (%d events; Roster: %d at once, signed, each attempt recorded) vs a plain Go client posting the same bodies",
		len(bodies), concurrency)
	return []result{
		{name: what + " in a loop", unit: "events/s", baseline: median(plain), subject: median(roster), target: "≥ 0.7×"},
		{name: what + fmt.Sprintf(", %d at once", concurrency), unit: "events/s", baseline: median(parallel), subject: median(roster), target: "—"},
	}, nil
}


// postAll posts every body to url, concurrency at once, requiring 2xx.
func postAll(ctx context.Context, url string, bodies [][]byte, concurrency int) error {
	var next atomic.Int64
	errs := make(chan error, concurrency)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(bodies)); i = next.Add(1) - 1 {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						err = fmt.Errorf("POST: %s", resp.Status)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func quantileOf(xs []time.Duration, q float64) time.Duration {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	return sorted[int(q*float64(len(sorted)-1))].Round(10 * time.Microsecond)
}
