package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/sessionstore"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
)

// httpUsers is the size of the tenant the HTTP benchmark toggles users of.
const httpUsers = 20_000

// httpSide is the service wired as serve wires it (wiring.Open: sealing
// store, sessions checked by the commands as they store their events) and
// its HTTP surface (wiring.Router) served on loopback, on tenant "web" of
// the owner and users u-0 … u-<users-1>, with the owner logged in.
type httpSide struct {
	*side
	svc    *wiring.Services
	server *httptest.Server
	token  string
	owner  domain.Actor
}

func openHTTPSide(ctx context.Context, e *env, users int) (*httpSide, error) {
	s, err := openSide(ctx, e, true)
	if err != nil {
		return nil, err
	}
	if err := seedTenant(ctx, s.store, s.key.BlindIndex(), "web", users); err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc, err := wiring.Open(ctx, s.pool, s.key, config.EventStore{}, passwords.TestParams(), wiring.Access{}, log)
	if err != nil {
		return nil, err
	}
	owner := domain.UserActor("owner")
	env := execution.Envelope{Tenant: "web"}
	if _, err := svc.Commands.SetPassword.Handle(ctx, env, commands.SetPassword{Actor: domain.OperatorActor(), User: "owner", Password: "bench pass phrase"}); err != nil {
		svc.Close()
		return nil, err
	}
	login, err := svc.Sessions.Login(ctx, "web", "owner@web.test", "bench pass phrase", "bench")
	if err != nil {
		svc.Close()
		return nil, err
	}
	server := httptest.NewServer(wiring.Router(svc, s.pool, projections.NewStatus(), log))
	return &httpSide{side: s, svc: svc, server: server, token: login.Token, owner: owner}, nil
}

func (s *httpSide) close() { s.server.Close(); s.svc.Close(); s.side.close() }

// toggles hands out (user, deactivate?) pairs over half of the tenant's
// users, from base: each user in turn, first deactivated, on the next pass
// reactivated, shared by both sides so that every command changes something.
type toggles struct {
	base int
	n    atomic.Int64
}

func (t *toggles) next() (domain.UserID, bool) {
	n := int(t.n.Add(1))
	return t.user(n % (httpUsers / 2)), (n/(httpUsers/2))%2 == 0
}

func (t *toggles) user(i int) domain.UserID { return domain.UserID(fmt.Sprintf("u-%d", t.base+i)) }

// inProcess is the command called directly, by the owner.
func (s *httpSide) inProcess(t *toggles) operation {
	return func(ctx context.Context, _ int) (int, error) {
		u, deactivate := t.next()
		env := execution.Envelope{Tenant: "web"}
		var err error
		if deactivate {
			_, err = s.svc.Commands.DeactivateUser.Handle(ctx, env, domain.DeactivateUser{Actor: s.owner, User: u})
		} else {
			_, err = s.svc.Commands.ReactivateUser.Handle(ctx, env, domain.ReactivateUser{Actor: s.owner, User: u})
		}
		return 1, err
	}
}

// overHTTP is the same command through the write API, with the owner's
// session token: routing, authentication, decoding and rendering included.
func (s *httpSide) overHTTP(t *toggles) operation {
	return func(ctx context.Context, _ int) (int, error) {
		u, deactivate := t.next()
		action := map[bool]string{true: "deactivate", false: "reactivate"}[deactivate]
		req, _ := http.NewRequestWithContext(ctx, "POST", s.server.URL+"/v1/tenants/web/users/"+string(u)+"/"+action, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+s.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("%s %s: %d", action, u, resp.StatusCode)
		}
		return 1, nil
	}
}

// runHTTP measures the cost of the HTTP layer: the same commands over HTTP
// and called in-process, as time per command at 1 and 8 clients and as
// latency percentiles at 1 client. Replies render the user, whose e-mail,
// name and creation instant are read from the stream the first time this
// process renders them and cached after: measured both on users never
// rendered before (the first half of the tenant) and on users rendered
// already (the second half, rendered once before measuring).
func runHTTP(ctx context.Context, e *env) ([]result, error) {
	s, err := openHTTPSide(ctx, e, httpUsers)
	if err != nil {
		return nil, err
	}
	defer s.close()
	cold, warm := &toggles{base: 0}, &toggles{base: httpUsers / 2}
	queries := s.svc.Queries
	for i := range httpUsers / 2 {
		m, _, _ := queries.Member(ctx, "web", warm.user(i))
		if _, err := queries.Profile(ctx, "web", m.User, execution.Result{}); err != nil {
			return nil, err
		}
	}
	var results []result
	for _, c := range []struct {
		name string
		t    *toggles
	}{{"users rendered before", warm}, {"users never rendered before", cold}} {
		for _, clients := range []int{1, 8} {
			base, subj, err := compare(ctx, e, clients, func(int) operation { return s.inProcess(c.t) }, func(int) operation { return s.overHTTP(c.t) })
			if err != nil {
				return nil, err
			}
			results = append(results, result{name: fmt.Sprintf("deactivate/reactivate, %d client(s), %s, time per command", clients, c.name),
				unit: "µs", baseline: 1e6 / base, subject: 1e6 / subj, target: "≤ 1.3×"})
		}
	}
	for _, clients := range []int{1, 8} { // the same, through a client that does the least a client can
		base, subj, err := compare(ctx, e, clients, func(int) operation { return s.inProcess(warm) }, func(int) operation { return s.overRawHTTP(warm) })
		if err != nil {
			return nil, err
		}
		results = append(results, result{name: fmt.Sprintf("deactivate/reactivate, %d client(s), users rendered before, minimal HTTP client, time per command", clients),
			unit: "µs", baseline: 1e6 / base, subject: 1e6 / subj, target: "≤ 1.3×"})
	}
	latency, err := latencies(ctx, s, warm)
	if err != nil {
		return nil, err
	}
	logins, err := loginTimes(ctx, s)
	if err != nil {
		return nil, err
	}
	return append(append(results, latency...), logins...), nil
}

// latencies interleaves the in-process command with both HTTP clients on
// users rendered before.
func latencies(ctx context.Context, s *httpSide, t *toggles) ([]result, error) {
	var base, subj, raw []time.Duration
	ops := []operation{s.inProcess(t), s.overHTTP(t), s.overRawHTTP(t)}
	for range 2000 { // interleaved, so noise hits all alike
		for i, times := range []*[]time.Duration{&base, &subj, &raw} {
			started := time.Now()
			if _, err := ops[i](ctx, 0); err != nil {
				return nil, err
			}
			*times = append(*times, time.Since(started))
		}
	}
	return []result{
		latencyResult("deactivate/reactivate latency p50, 1 client, users rendered before", base, subj, 0.50, "—"),
		latencyResult("deactivate/reactivate latency p99, 1 client, users rendered before", base, subj, 0.99, "≤ 1.3×"),
		latencyResult("deactivate/reactivate latency p50, 1 client, users rendered before, minimal HTTP client", base, raw, 0.50, "—"),
		latencyResult("deactivate/reactivate latency p99, 1 client, users rendered before, minimal HTTP client", base, raw, 0.99, "≤ 1.3×"),
	}, nil
}

// loginTimes compares failed logins for an e-mail nobody has with failed
// logins for an existing account (wrong password), with production Argon2id
// parameters: if they differ, timing tells which e-mails exist.
func loginTimes(ctx context.Context, s *httpSide) ([]result, error) {
	hasher, err := passwords.New(passwords.DefaultParams())
	if err != nil {
		return nil, err
	}
	// The account's hash must have the production parameters too, as every
	// hash made by a production service has.
	h, err := newCommandSide(execution.Config{Store: wiring.AppendSealedReadRaw{Appender: s.store, Raw: s.raw}, PersonalData: s.store}, hasher, s.key.BlindIndex())
	if err != nil {
		return nil, err
	}
	defer h.Close()
	if _, err := h.SetPassword.Handle(ctx, execution.Envelope{Tenant: "web"},
		commands.SetPassword{Actor: domain.OperatorActor(), User: "u-1", Password: "the real bench phrase"}); err != nil {
		return nil, err
	}
	unlimited := sessions.Limits{AccountBurst: 1 << 30, AccountEvery: time.Nanosecond, AddressBurst: 1 << 30, AddressEvery: time.Nanosecond,
		SlowAfter: 1 << 30, SlowMax: time.Second}
	logins, err := sessions.New(sessions.Config{Store: sessionstore.New(s.pool), Members: h.engine.Queries(), Passwords: hasher,
		Emails: s.key.BlindIndex(), Limits: unlimited})
	if err != nil {
		return nil, err
	}
	var unknown, wrong []time.Duration
	for range 200 { // interleaved
		for email, times := range map[string]*[]time.Duration{"nobody@web.test": &unknown, "user1@web.test": &wrong} {
			started := time.Now()
			_, err := logins.Login(ctx, "web", email, "a wrong guess", "bench")
			if domain.CodeOf(err) != domain.CodeInvalidCredentials {
				return nil, fmt.Errorf("login %s: %v", email, err)
			}
			*times = append(*times, time.Since(started))
		}
	}
	return []result{
		latencyResult("failed login p50, existing account vs unknown e-mail (production argon2id)", unknown, wrong, 0.50, "≈ 1×"),
		latencyResult("failed login p90, existing account vs unknown e-mail (production argon2id)", unknown, wrong, 0.90, "≈ 1×"),
	}, nil
}
