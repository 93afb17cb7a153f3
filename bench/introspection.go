package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/infra/sessionstore"
)

// introspectionUsers is the size of the tenant whose tokens are
// introspected; each of its users gets a stored session too, so that both
// sides look a digest up by its index in a sessions table of some size, as
// a gateway's would be, not in a table of two rows.
const introspectionUsers = 10_000

const introspectPath = "/v1/introspect"

// runIntrospection measures POST /v1/introspect, which a login gateway
// calls on every request it lets through: Roster's router on loopback,
// authenticated by a session of the tenant and asked about another live
// session of it, against a bare net/http server on loopback that answers
// the same body from one indexed SELECT of the same sessions table, through
// the same pool. Both servers live in this process and the load comes from
// a child process (driveLoad), the same for both sides, so that neither
// side's figures carry the load generator's CPU and both share the machine
// alike. Measured at 1 and 8 kept-alive clients, alternating the sides
// (compareLoads).
//
// The target is §7's: introspection at ≥ 0.9× the bare server's
// throughput. §7 sets no target on its latencies; they are reported, not
// judged ("—").
func runIntrospection(ctx context.Context, e *env) ([]result, error) {
	s, err := openHTTPSide(ctx, e, introspectionUsers)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := storeSessions(ctx, s.pool, introspectionUsers); err != nil {
		return nil, err
	}
	// The owner logged in a second time: the session asked about.
	asked, err := s.svc.Sessions.Login(ctx, "web", "owner@web.test", "bench pass phrase", "bench")
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"token": asked.Token})
	bare := httptest.NewServer(bareIntrospection(s.pool, asked.Member.User.Role)) // listening once it returns, as s.server is
	defer bare.Close()
	floor := httptest.NewServer(bareRosterQuery(sessionstore.New(s.pool), asked.Member.User.Role))
	defer floor.Close()
	for side, base := range map[string]string{"baseline": bare.URL, "roster": s.server.URL, "floor": floor.URL} {
		if err := checkActive(ctx, base+introspectPath, s.token, body); err != nil {
			return nil, fmt.Errorf("%s: %w", side, err)
		}
	}
	var results []result
	for _, clients := range []int{1, 8} {
		spec := loadSpec{Token: s.token, Body: string(body), Clients: clients, Duration: e.duration}
		base, subj, err := compareLoads(ctx, e, spec, bare.URL+introspectPath, s.server.URL+introspectPath)
		if err != nil {
			return nil, fmt.Errorf("%d client(s): %w", clients, err)
		}
		name := fmt.Sprintf("introspection over HTTP, %d client(s), ", clients)
		results = append(results,
			result{name: name + "throughput", unit: "requests/s", baseline: base.PerSecond, subject: subj.PerSecond, target: "≥ 0.9×"},
			result{name: name + "latency p50", unit: "µs", baseline: base.P50, subject: subj.P50, target: "—"},
			result{name: name + "latency p99", unit: "µs", baseline: base.P99, subject: subj.P99, target: "—"})
		paired, least, err := compareLoads(ctx, e, spec, bare.URL+introspectPath, floor.URL+introspectPath)
		if err != nil {
			return nil, fmt.Errorf("the floor at %d client(s): %w", clients, err)
		}
		results = append(results, result{name: fmt.Sprintf("the floor, %d client(s): the bare server doing Roster's one query (two sessions, each with its stream head)", clients),
			unit: "requests/s", baseline: paired.PerSecond, subject: least.PerSecond, target: "—"})
	}
	return results, nil
}

// storeSessions stores a session of each of the users u-0 … u-<users-1> of
// tenant web, under digests of tokens nobody holds.
func storeSessions(ctx context.Context, pool *pgxpool.Pool, users int) error {
	return execAll(ctx, pool,
		fmt.Sprintf(`INSERT INTO sessions (digest, tenant_id, user_id, issued_at, expires_at)
		    SELECT encode(sha256(convert_to('bench session ' || i, 'UTF8')), 'hex'), 'web', 'u-' || i, now(), now() + interval '12 hours'
		    FROM generate_series(0, %d) AS i`, users-1),
		"ANALYZE sessions")
}

// checkActive introspects once and refuses anything but a reply 200 that
// says the token is active: a measurement of refusals is worth nothing.
func checkActive(ctx context.Context, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var got sessions.Introspection
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK || !got.Active {
		return fmt.Errorf("POST %s: status %d, %+v (%v); want 200 and an active token", url, resp.StatusCode, got, err)
	}
	return nil
}

// compareLoads drives spec against the baseline and the subject in turn
// for e.rounds rounds and returns each side's median figures, so that
// drift in the machine hits both alike (as compare does).
func compareLoads(ctx context.Context, e *env, spec loadSpec, baselineURL, subjectURL string) (loadFigures, loadFigures, error) {
	var bs, ss []loadFigures
	for range e.rounds {
		for _, side := range []struct {
			name, url string
			figures   *[]loadFigures
		}{{"baseline", baselineURL, &bs}, {"subject", subjectURL, &ss}} {
			spec.URL = side.url
			f, err := driveLoad(ctx, spec)
			if err != nil {
				return loadFigures{}, loadFigures{}, fmt.Errorf("%s: %w", side.name, err)
			}
			*side.figures = append(*side.figures, f)
		}
	}
	return medianFigures(bs), medianFigures(ss), nil
}

// medianFigures is the median of each figure over the rounds, each taken
// on its own.
func medianFigures(rounds []loadFigures) loadFigures {
	pick := func(of func(loadFigures) float64) float64 {
		xs := make([]float64, len(rounds))
		for i, f := range rounds {
			xs[i] = of(f)
		}
		return median(xs)
	}
	return loadFigures{
		PerSecond: pick(func(f loadFigures) float64 { return f.PerSecond }),
		P50:       pick(func(f loadFigures) float64 { return f.P50 }),
		P99:       pick(func(f loadFigures) float64 { return f.P99 }),
	}
}
