package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/embeddedpg"
	"github.com/rosterhq/roster/infra/wiring"
)

// While PostgreSQL is stopped (a fast shutdown, then once killed outright)
// and started again under a stream of keyed commands and reads from several
// goroutines, no request is answered 500: a 503 says "unavailable" (with
// Retry-After) when nothing was stored, "outcome_unknown" otherwise, and
// reads, logins and token checks answer "unavailable". Afterwards nothing
// answered "unavailable" is stored, every 503 retried with its key ends with
// its resource stored exactly once, and every acknowledged command is in the
// read models, which come back by themselves.
func TestAPostgreSQLOutageAnswers503AndLosesNoAcknowledgedCommand(t *testing.T) {
	t.Parallel()
	db := newOutageDB(t)
	svc, server := serviceOnOutageDB(t, db)
	s := newOutageStream(t, server.URL)
	s.start(6)

	s.awaitAcknowledged(30)
	db.stopFast()
	s.awaitOutage()
	checkReadsDuringOutage(t, s)
	db.start()

	s.awaitAcknowledged(30)
	db.kill()
	s.awaitOutage()
	checkReadsDuringOutage(t, s)
	db.start()

	s.awaitAcknowledged(30)
	s.stop()
	s.checkAnswers()
	s.checkStored(svc, func(c *outageCommand) bool { return c.first.code() == "unavailable" }, 0)
	s.retryEvery503()
	s.checkStored(svc, func(*outageCommand) bool { return true }, 1)
	s.checkReadModels()
}

// outageDB is a PostgreSQL of one test's own, never the server the other
// tests share, which the test stops and starts under a running service.
type outageDB struct {
	t      *testing.T
	dir    string
	port   int // fixed after the first start: the pools' URL must stay valid
	server *embeddedpg.Server
}

func newOutageDB(t *testing.T) *outageDB {
	d := &outageDB{t: t, dir: dataDir(t)}
	d.start()
	t.Cleanup(func() { _ = d.server.Stop(bg) })
	if err := createDatabase(bg, d.server.URL("postgres"), embeddedDatabase); err != nil {
		t.Fatal(err)
	}
	return d
}

// start starts the server on its port and returns once it accepts
// connections. Durable: with synchronous_commit off, a kill would lose
// commits already acknowledged. A start is tried again until a deadline:
// after a kill, the old server's backends may still hold its shared memory
// for a moment.
func (d *outageDB) start() {
	deadline := time.Now().Add(time.Minute)
	for {
		s, err := embeddedpg.Start(bg, embeddedpg.Options{Dir: d.dir, Durable: true, Port: d.port, Logger: quiet})
		if err == nil {
			d.server, d.port = s, s.Port()
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("PostgreSQL did not start again within a minute: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stopFast is PostgreSQL's fast shutdown: sessions are ended, open
// transactions rolled back, the server exits after a checkpoint.
func (d *outageDB) stopFast() {
	if err := d.server.Stop(bg); err != nil {
		d.t.Fatal(err)
	}
}

// kill stops the server at once: with its context ended, embeddedpg sends
// the fast, then the immediate shutdown signal, then SIGKILL, without
// waiting in between; the next start recovers from the WAL.
func (d *outageDB) kill() {
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_ = d.server.Stop(ctx)
}

// serviceOnOutageDB migrates db's database and runs the services, the
// projectors and the HTTP surface over it.
func serviceOnOutageDB(t *testing.T, db *outageDB) (*wiring.Services, *httptest.Server) {
	opened, err := openDatabase(bg, config.Database{URL: db.server.URL(embeddedDatabase)}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(opened.Close)
	_, key := newMasterKey(t)
	svc := servicesOn(t, opened.Pool, key, testAccess)
	return svc, serveAll(t, svc)
}

// outageCommand is one command of the stream and what became of it.
type outageCommand struct {
	tenant, kind, id string // kind: UserInvited, TeamDefined or WorkAssigned, the event it stores
	method, path     string
	token, key       string
	body             obj
	first, final     reply
}

// outageTenant is a tenant of the stream, with its owner's id and session.
type outageTenant struct{ id, owner, token string }

// outageStream sends commands and reads from several goroutines and keeps
// every answer.
type outageStream struct {
	t       *testing.T
	base    string
	client  *http.Client
	tenants []outageTenant

	stopping chan struct{}
	running  sync.WaitGroup

	mu       sync.Mutex
	commands []*outageCommand
	reads    []reply
	logins   []reply  // answers to logins, which store the login as an event
	failures []string // transport errors

	acknowledged, outages atomic.Int64 // 2xx and other answers to commands
}

func newOutageStream(t *testing.T, base string) *outageStream {
	s := &outageStream{t: t, base: base, client: &http.Client{Timeout: time.Minute}, stopping: make(chan struct{})}
	for _, id := range []string{"acme", "beta"} {
		created := expect(t, "create "+id, call(t, base, "POST", "/v1/tenants", "op-token", obj{
			"id": id, "name": id, "preset": "helpdesk", "seats": 100_000,
			"owner": obj{"email": "owner@" + id + ".example", "name": "Owner", "password": "owner password"}}), http.StatusCreated, "")
		expect(t, "read "+id, call(t, base, "GET", "/v1/tenants/"+id+"?min_position="+created.str("position"), "op-token", nil), http.StatusOK, "")
		login := expect(t, "login "+id, call(t, base, "POST", "/v1/tenants/"+id+"/sessions", "", obj{
			"email": "owner@" + id + ".example", "password": "owner password"}), http.StatusCreated, "")
		owner, _ := created.Body["owner"].(map[string]any)
		s.tenants = append(s.tenants, outageTenant{id: id, owner: fmt.Sprint(owner["id"]), token: login.str("token")})
	}
	return s
}

// start runs workers goroutines of commands and one of reads until stop.
func (s *outageStream) start(workers int) {
	for w := range workers {
		s.running.Add(1)
		go s.sendCommands(w)
	}
	s.running.Add(1)
	go s.sendReads()
}

func (s *outageStream) stop() {
	close(s.stopping)
	s.running.Wait()
}

func (s *outageStream) stopped() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

func (s *outageStream) sendCommands(worker int) {
	defer s.running.Done()
	for n := 0; !s.stopped(); n++ {
		c := s.command(worker, n)
		r, err := send(s.client, s.base, c.method, c.path, c.token, c.body, "Idempotency-Key", c.key)
		s.mu.Lock()
		if err != nil {
			s.failures = append(s.failures, fmt.Sprintf("%s %s: %v", c.method, c.path, err))
		}
		c.first, c.final = r, r
		s.commands = append(s.commands, c)
		s.mu.Unlock()
		switch {
		case r.Status/100 == 2:
			s.acknowledged.Add(1)
		default:
			s.outages.Add(1)
		}
	}
}

// command is the n-th command of a worker: an invitation (by the
// operator), a team or a work item (by the tenant's owner, whose token is
// checked against the database), each creating a resource of its own.
func (s *outageStream) command(worker, n int) *outageCommand {
	tn := s.tenants[worker%len(s.tenants)]
	id := fmt.Sprintf("w%d-n%d", worker, n)
	c := &outageCommand{tenant: tn.id, token: tn.token, key: "outage-" + id}
	switch n % 3 {
	case 0:
		c.kind, c.id, c.method, c.path, c.token = "UserInvited", "u-"+id, "POST", "/v1/tenants/"+tn.id+"/users", "op-token"
		c.body = obj{"id": c.id, "email": c.id + "@" + tn.id + ".example", "name": "User " + id, "role": "member"}
	case 1:
		c.kind, c.id, c.method = "TeamDefined", "t-"+id, "PUT"
		c.path, c.body = "/v1/tenants/"+tn.id+"/teams/"+c.id, obj{"name": "Team " + id}
	default:
		c.kind, c.id, c.method = "WorkAssigned", "j-"+id, "PUT"
		c.path, c.body = "/v1/tenants/"+tn.id+"/work/"+c.id, obj{"kind": "job", "assignee": tn.owner}
	}
	return c
}

// sendReads reads a list with a session token, a tenant with the
// operator's, and logs in, in turn, until stop.
func (s *outageStream) sendReads() {
	defer s.running.Done()
	for n := 0; !s.stopped(); n++ {
		tn := s.tenants[n%len(s.tenants)]
		var r reply
		var err error
		switch n % 3 {
		case 0:
			r, err = send(s.client, s.base, "GET", "/v1/tenants/"+tn.id+"/users?limit=5", tn.token, nil)
		case 1:
			r, err = send(s.client, s.base, "GET", "/v1/tenants/"+tn.id, "op-token", nil)
		default:
			r, err = send(s.client, s.base, "POST", "/v1/tenants/"+tn.id+"/sessions", "", obj{
				"email": "owner@" + tn.id + ".example", "password": "owner password"})
		}
		s.mu.Lock()
		if err != nil {
			s.failures = append(s.failures, fmt.Sprintf("read %d: %v", n, err))
		}
		if n%3 == 2 { // a login stores the login (UserLoggedIn): a command's answers
			s.logins = append(s.logins, r)
		} else {
			s.reads = append(s.reads, r)
		}
		s.mu.Unlock()
	}
}

// awaitAcknowledged waits until n more commands have been answered 2xx.
func (s *outageStream) awaitAcknowledged(n int64) {
	s.t.Helper()
	want := s.acknowledged.Load() + n
	s.await(fmt.Sprintf("%d more acknowledged commands", n), func() bool { return s.acknowledged.Load() >= want })
}

// awaitOutage waits until a command is answered other than 2xx (503, as
// checkAnswers later checks).
func (s *outageStream) awaitOutage() {
	s.t.Helper()
	want := s.outages.Load() + 1
	s.await("command answered other than 2xx", func() bool { return s.outages.Load() >= want })
}

func (s *outageStream) await(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.t.Fatalf("no %s within a minute (%d commands sent, transport failures %v)", what, len(s.commands), s.failures)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkReadsDuringOutage sends, with PostgreSQL down, what needs the
// database to answer: the readiness probe, a token check, a read model
// query, a read waiting for a position, the projections' states, and a
// login.
func checkReadsDuringOutage(t *testing.T, s *outageStream) {
	t.Helper()
	tn := s.tenants[0]
	if r := call(t, s.base, "GET", "/readyz", "", nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with PostgreSQL down: %d %s", r.Status, r.Raw)
	}
	for what, r := range map[string]reply{
		"a session's read":        call(t, s.base, "GET", "/v1/tenants/"+tn.id+"/users", tn.token, nil),
		"the operator's read":     call(t, s.base, "GET", "/v1/tenants/"+tn.id+"/users", "op-token", nil),
		"a read at a position":    call(t, s.base, "GET", "/v1/tenants/"+tn.id+"/teams?min_position=1-1", "op-token", nil),
		"the projections' states": call(t, s.base, "GET", "/v1/projections", "op-token", nil),
		"a login": call(t, s.base, "POST", "/v1/tenants/"+tn.id+"/sessions", "", obj{
			"email": "owner@" + tn.id + ".example", "password": "owner password"}),
	} {
		if problem := unavailableProblem(r); problem != "" {
			t.Errorf("%s with PostgreSQL down: %s", what, problem)
		}
	}
}

// unavailableProblem says what is wrong with r as the answer "unavailable":
// 503, code unavailable, Retry-After a whole number of seconds.
func unavailableProblem(r reply) string {
	if r.Status != http.StatusServiceUnavailable || r.code() != "unavailable" {
		return fmt.Sprintf("%d %s, want 503 unavailable", r.Status, r.Raw)
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
		return fmt.Sprintf("Retry-After %q, want whole seconds", r.Header.Get("Retry-After"))
	}
	return ""
}

// checkAnswers checks every answer given while PostgreSQL came and went.
func (s *outageStream) checkAnswers() {
	t := s.t
	t.Helper()
	for _, f := range s.failures {
		t.Errorf("no answer: %s", f)
	}
	counts := map[string]int{}
	for _, c := range s.commands {
		counts[strconv.Itoa(c.first.Status)+" "+c.first.code()]++
		if problem := commandAnswerProblem(c.first); problem != "" {
			t.Errorf("%s %s: %s", c.method, c.path, problem)
		}
	}
	for _, r := range s.reads {
		counts["read "+strconv.Itoa(r.Status)+" "+r.code()]++
		if r.Status/100 != 2 {
			if problem := unavailableProblem(r); problem != "" {
				t.Errorf("a read: %s", problem)
			}
		}
	}
	for _, r := range s.logins {
		counts["login "+strconv.Itoa(r.Status)+" "+r.code()]++
		if problem := commandAnswerProblem(r); problem != "" {
			t.Errorf("a login: %s", problem)
		}
	}
	t.Logf("answers during the outages: %v", counts)
}

// commandAnswerProblem says what is wrong with r as the answer to a
// command: 2xx, 503 unavailable, or 503 outcome_unknown telling to retry
// with the same Idempotency-Key.
func commandAnswerProblem(r reply) string {
	switch {
	case r.Status/100 == 2:
		return ""
	case r.code() == "outcome_unknown":
		if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.str("detail"), "Idempotency-Key") {
			return fmt.Sprintf("%d %s, want 503 and a detail telling to retry with the same Idempotency-Key", r.Status, r.Raw)
		}
		return ""
	}
	return unavailableProblem(r)
}

// retryEvery503 sends every command answered 503 (or, wrongly, anything
// else but 2xx) again, with its key, until it is answered 2xx.
func (s *outageStream) retryEvery503() {
	s.t.Helper()
	for _, c := range s.commands {
		if c.first.Status/100 == 2 {
			continue
		}
		s.await("2xx for the retry of "+c.path, func() bool {
			r, err := send(s.client, s.base, c.method, c.path, c.token, c.body, "Idempotency-Key", c.key)
			c.final = r
			return err == nil && r.Status/100 == 2
		})
	}
}

// checkStored checks that each command chosen has stored its resource's
// event exactly want times, counted in the event store itself.
func (s *outageStream) checkStored(svc *wiring.Services, chosen func(*outageCommand) bool, want int) {
	t := s.t
	t.Helper()
	stored := map[string]int{}
	for _, tn := range s.tenants {
		for k, n := range countCreations(t, svc, tn.id) {
			stored[k] += n
		}
	}
	for _, c := range s.commands {
		if !chosen(c) {
			continue
		}
		if got := stored[c.tenant+" "+c.kind+" "+c.id]; got != want {
			t.Errorf("%s %s (first answered %d %s, then %d): %d %s events stored, want %d",
				c.method, c.path, c.first.Status, c.first.code(), c.final.Status, got, c.kind, want)
		}
	}
}

// countCreations counts, in tenant's stream, the events that create the
// stream's resources, by "<tenant> <event type> <resource id>".
func countCreations(t *testing.T, svc *wiring.Services, tenant string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	deadline := time.Now().Add(20 * time.Second)
	for after := int64(0); ; {
		page, err := svc.Events.ReadStream(bg, "tenant-"+tenant, after, 1000)
		// Right after an outage a read may take a pooled connection the
		// outage broke: the pool drops it, and the next read takes another.
		if errors.Is(err, eventstore.ErrUnavailable) && time.Now().Before(deadline) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return counts
		}
		for _, e := range page {
			var p struct{ User, Team, Item string }
			if err := json.Unmarshal(e.Payload, &p); err != nil {
				t.Fatalf("event %s: %v", e.ID, err)
			}
			counts[tenant+" "+e.Type+" "+p.User+p.Team+p.Item]++
			after = e.StreamVersion
		}
	}
}

// checkReadModels checks that the read models, read at a position after
// every command, hold the resource of every acknowledged command: the
// projectors came back by themselves after each restart.
func (s *outageStream) checkReadModels() {
	t := s.t
	t.Helper()
	began := time.Now()
	defer func() {
		t.Logf("the read models held every acknowledged command %v after the retries", time.Since(began).Round(time.Millisecond))
	}()
	for _, tn := range s.tenants {
		last := expect(t, "a last command", call(t, s.base, "PUT", "/v1/tenants/"+tn.id+"/teams/last", "op-token", obj{"name": "Last"}), http.StatusOK, "")
		at := "min_position=" + last.str("position")
		held := map[string]bool{}
		for _, path := range []string{"/users?limit=500&" + at, "/teams?" + at, "/work?limit=500&assignee=" + tn.owner + "&" + at} {
			for _, id := range s.listAll("/v1/tenants/" + tn.id + path) {
				held[id] = true
			}
		}
		for _, c := range s.commands {
			if c.tenant == tn.id && c.final.Status/100 == 2 && !held[c.id] {
				t.Errorf("%s %s was answered %d, but its resource is not in the read model", c.method, c.path, c.final.Status)
			}
		}
	}
}

// listAll reads every page of a list and returns its items' ids; a page
// answered 503 or 504 (the projectors catching up after a restart) is read
// again until a deadline.
func (s *outageStream) listAll(path string) []string {
	s.t.Helper()
	var ids []string
	for cursor := ""; ; {
		var page reply
		s.await("200 for "+path, func() bool {
			var err error
			page, err = send(s.client, s.base, "GET", path+cursor, "op-token", nil)
			return err == nil && page.Status == http.StatusOK
		})
		items, _ := page.Body["items"].([]any)
		for _, it := range items {
			item, _ := it.(map[string]any)
			ids = append(ids, fmt.Sprint(item["id"]))
		}
		next := page.str("next_cursor")
		if next == "" {
			return ids
		}
		cursor = "&cursor=" + url.QueryEscape(next)
	}
}
