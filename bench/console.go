package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections/users"
)

// The two requests runConsoleUsers compares: the JSON list, and the
// console's Users page that shows it (first page, Active tab, same search).
const (
	consoleListPath = "/v1/tenants/big/users?status=active&q=number%204&limit=50"
	consolePagePath = "/console/big/users?tab=active&q=number+4"
)

// runConsoleUsers compares the admin console's Users page of a tenant of
// 100,000 users with the JSON list it is built on, same filters, both
// served by the whole service with the owner's session: the API with its
// bearer token, the console with its cookie.
func runConsoleUsers(ctx context.Context, e *env) ([]result, error) {
	c, err := openConsoleSide(ctx, e)
	if err != nil {
		return nil, err
	}
	defer c.close()
	api := func() (string, error) {
		return fetchOK(ctx, c.server.URL+consoleListPath, "Authorization", "Bearer "+c.token)
	}
	page := func() (string, error) {
		return fetchOK(ctx, c.server.URL+consolePagePath, "Cookie", "roster_console="+c.token)
	}
	if err := sameTabCount(api, page); err != nil {
		return nil, err
	}
	times, err := interleaved(1000, api, page)
	if err != nil {
		return nil, err
	}
	base, subj := times[0], times[1]
	results := []result{
		latencyResult("Users page (Active tab, search) vs its JSON list, 100,000 users, p50", base, subj, 0.50, "≤ 1.3×"),
		latencyResult("Users page (Active tab, search) vs its JSON list, 100,000 users, p99", base, subj, 0.99, "≤ 1.3×"),
	}
	parts, err := pageReads(ctx, c.server.URL, c.token, api)
	if err != nil {
		return nil, err
	}
	return append(results, parts...), nil
}

// consoleSide is the service wired as serve wires it (wiring.Open and
// wiring.Router), over a tenant "big" of 100,000 users whose read models
// have caught up, with the owner logged in.
type consoleSide struct {
	*side
	svc    *wiring.Services
	server *httptest.Server
	token  string
	stop   func()
}

func openConsoleSide(ctx context.Context, e *env) (c *consoleSide, err error) {
	c = &consoleSide{stop: func() {}}
	if c.side, err = openSide(ctx, e, true); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	if err := seedTenant(ctx, c.store, c.key.BlindIndex(), "big", bigTenantUsers); err != nil {
		return nil, err
	}
	status, stop, err := project(ctx, c.side)
	if err != nil {
		return nil, err
	}
	c.stop = stop
	log := slog.New(slog.DiscardHandler)
	if c.svc, err = wiring.Open(ctx, c.pool, c.key, config.EventStore{}, passwords.TestParams(), wiring.Access{}, log); err != nil {
		return nil, err
	}
	set, err := c.svc.Commands.SetPassword.Handle(ctx, execution.Envelope{Tenant: "big"},
		commands.SetPassword{Actor: domain.OperatorActor(), User: "owner", Password: "bench pass phrase"})
	if err == nil {
		err = status.WaitFor(ctx, set.Position, names()...) // the whole tenant, and the password, read
	}
	if err == nil {
		// As autovacuum does soon after 100,000 inserts (its insert
		// threshold): statistics, and the visibility map that lets the seat
		// count be an index-only scan. Baseline and page read the same tables.
		_, err = c.pool.Exec(ctx, "VACUUM ANALYZE "+users.Table+", "+users.SearchTable)
	}
	if err != nil {
		return nil, err
	}
	login, err := c.svc.Sessions.Login(ctx, "big", "owner@big.test", "bench pass phrase", "bench")
	if err != nil {
		return nil, err
	}
	c.token, c.server = login.Token, httptest.NewServer(wiring.Router(c.svc, c.pool, status, log))
	return c, nil
}

func (c *consoleSide) close() {
	if c.server != nil {
		c.server.Close()
	}
	if c.svc != nil {
		c.svc.Close()
	}
	c.stop()
	c.side.close()
}

// pageReads measures, interleaved with the list once more, each API read
// the Users page makes: where the page's time beyond the list goes.
func pageReads(ctx context.Context, base, token string, api func() (string, error)) ([]result, error) {
	read := func(path string) func() (string, error) {
		return func() (string, error) { return fetchOK(ctx, base+path, "Authorization", "Bearer "+token) }
	}
	paths := []string{consoleListPath + "&counts=status", "/v1/tenants/big", "/v1/tenants/big/teams"}
	times, err := interleaved(300, api, read(paths[0]), read(paths[1]), read(paths[2]))
	if err != nil {
		return nil, err
	}
	var out []result
	for i, what := range []string{"the list with counts=status", "the tenant (its seat count)", "the teams"} {
		out = append(out, latencyResult("a read of the page: "+what+" vs the list, p50", times[0], times[i+1], 0.50, "—"))
	}
	return out, nil
}

// interleaved runs each of ops in turn, rounds times, so that noise hits
// them alike, and returns each one's times.
func interleaved(rounds int, ops ...func() (string, error)) ([][]time.Duration, error) {
	times := make([][]time.Duration, len(ops))
	for range rounds {
		for i, op := range ops {
			started := time.Now()
			if _, err := op(); err != nil {
				return nil, err
			}
			times[i] = append(times[i], time.Since(started))
		}
	}
	return times, nil
}

// sameTabCount checks, once before measuring, that the page is the Users
// page it should be: its Active tab counts what the list's total says.
func sameTabCount(api, page func() (string, error)) error {
	list, err := api()
	if err != nil {
		return err
	}
	html, err := page()
	if err != nil {
		return err
	}
	var reply struct {
		Total *int `json:"total"`
	}
	if err := json.Unmarshal([]byte(list), &reply); err != nil || reply.Total == nil {
		return fmt.Errorf("GET %s: no total in %.200s (%v)", consoleListPath, list, err)
	}
	if !strings.Contains(html, fmt.Sprintf(`data-count="active">%d<`, *reply.Total)) {
		return fmt.Errorf("GET %s does not count the %d active users GET %s has", consolePagePath, *reply.Total, consoleListPath)
	}
	return nil
}

// noRedirects is a client that reports a redirect (the console's way of
// sending a browser to sign in) as the reply it is.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// fetchOK GETs url with one header, requires 200 and returns the whole body.
func fetchOK(ctx context.Context, url, header, value string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set(header, value)
	resp, err := noRedirects.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s %.200s", url, resp.Status, body)
	}
	return string(body), nil
}
