package projectionfeed_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
)

// causes are the seat counts a faulty projector cannot apply: the "bug" a
// test fixes by changing them.
type causes struct {
	mu    sync.Mutex
	seats map[int]bool
}

func brokenOn(seats ...int) *causes {
	c := &causes{seats: map[int]bool{}}
	c.set(seats...)
	return c
}

func (c *causes) set(seats ...int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seats = map[int]bool{}
	for _, s := range seats {
		c.seats[s] = true
	}
}

func (c *causes) breaks(seats int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seats[seats]
}

// faulty projects every tenant's SeatsChanged into faulty_v1<suffix> and
// cannot apply those whose seats its causes name (a division by zero).
type faulty struct {
	suffix string
	causes *causes
}

func (f faulty) Name() string     { return "faulty_v1" + f.suffix }
func (f faulty) Tables() []string { return []string{f.Name()} }
func (f faulty) Schema() []string {
	return []string{"CREATE TABLE IF NOT EXISTS " + f.Name() + " (tenant text, version bigint, seats int, PRIMARY KEY (tenant, version))"}
}
func (f faulty) Reduce(e projections.Event) []projections.Statement {
	s, ok := e.Data.(domain.SeatsChanged)
	switch {
	case !ok:
		return nil
	case f.causes.breaks(s.Seats):
		return []projections.Statement{{SQL: "SELECT 1 / 0"}}
	}
	return []projections.Statement{{SQL: "INSERT INTO " + f.Name() + " VALUES ($1, $2, $3)", Args: []any{string(e.Tenant), e.Version, s.Seats}}}
}

func (f faulty) readModel() projections.ReadModel {
	return projections.ReadModel{Live: f, Suffixed: func(s string) projections.Projector { return faulty{suffix: s, causes: f.causes} }}
}

// hostOf runs a host of models until the test ends, reporting to status.
func hostOf(t *testing.T, w *projectiontest.World, status *projections.Status, models ...projections.ReadModel) {
	t.Helper()
	host := projectionfeed.NewHost(projectionfeed.HostConfig{
		RouterConfig: projectionfeed.RouterConfig{Pool: w.Pool, Feed: w.Store, Status: status,
			Logger: slog.New(slog.DiscardHandler), Retries: 2, RetryInterval: time.Millisecond},
		ReadModels: models, Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- host.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// seats appends SeatsChanged events of the given seat counts to tenant.
func seats(w *projectiontest.World, tenant domain.TenantID, counts ...int) eventstore.Position {
	events := make([]domain.Event, len(counts))
	for i, n := range counts {
		events[i] = domain.SeatsChanged{Seats: n}
	}
	return w.Append(tenant, events...)
}

// rowsOf lists a tenant's seats in table, in version order.
func rowsOf(t *testing.T, w *projectiontest.World, table string, tenant domain.TenantID) string {
	t.Helper()
	rows, err := w.Pool.Query(context.Background(), "SELECT seats FROM "+table+" WHERE tenant = $1 ORDER BY version", string(tenant))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(n))
	}
	return strings.Join(out, " ")
}

// onlyFailure returns the one failure recorded, failing the test otherwise.
func onlyFailure(t *testing.T, w *projectiontest.World) projections.TenantFailure {
	t.Helper()
	failures, err := projections.LoadFailures(context.Background(), w.Pool, "")
	if err != nil || len(failures) != 1 {
		t.Fatalf("failures %+v (%v), want exactly one", failures, err)
	}
	return failures[0]
}

// positionOf is the feed position of a tenant's event of that version.
func positionOf(t *testing.T, w *projectiontest.World, tenant domain.TenantID, version int64) eventstore.Position {
	t.Helper()
	recs, err := w.Store.ReadStream(context.Background(), "tenant-"+string(tenant), version-1, 1)
	if err != nil || len(recs) != 1 {
		t.Fatalf("event %d of %s: %v", version, tenant, err)
	}
	return recs[0].Position
}

// A projector that cannot apply one tenant's event records the failure for
// that tenant (position, type, error), holds back that tenant's later
// events, and goes on with every other tenant's: the live position passes
// the failed event, and nothing of the tenant after it is applied.
func TestAnEventAProjectorCannotApplyStopsItForThatTenantAlone(t *testing.T) {
	w := projectiontest.New(t)
	broken := faulty{causes: brokenOn(13)}
	seats(w, "acme", 10, 11, 12, 13, 14, 15) // one batch: before and after the poison event
	seats(w, "globex", 1, 2, 3)
	seats(w, "acme", 16)
	last := seats(w, "globex", 4)
	status := projections.NewStatus()
	hostOf(t, w, status, broken.readModel())
	w.WaitFor(status, last, broken.Name())

	if got := rowsOf(t, w, broken.Name(), "globex"); got != "1 2 3 4" {
		t.Fatalf("globex's rows %q: another tenant's failure must not stop it", got)
	}
	if got := rowsOf(t, w, broken.Name(), "acme"); got != "10 11 12" {
		t.Fatalf("acme's rows %q: want those before the failed event, and none after it", got)
	}
	f := onlyFailure(t, w)
	if f.Projection != broken.Name() || f.Tenant != "acme" || f.StreamVersion != 4 || f.ResumeVersion != 4 ||
		f.EventType != "SeatsChanged" || f.Position != positionOf(t, w, "acme", 4) || !strings.Contains(f.Error, "division by zero") {
		t.Fatalf("failure %+v: want acme's 4th event (SeatsChanged, division by zero)", f)
	}
	checkpoint, err := projections.LoadCheckpoint(context.Background(), w.Pool, broken.Name())
	if err != nil || checkpoint.Position != last || checkpoint.Error != "" {
		t.Fatalf("checkpoint %+v (%v): want it at the head, not failed as a whole", checkpoint, err)
	}
}

// retry asks for a retry of tenant and waits until the host carried it
// out: the failure is gone, or names another event with no retry pending.
func retry(t *testing.T, w *projectiontest.World, projection string, tenant domain.TenantID) (projections.TenantFailure, bool) {
	t.Helper()
	if _, err := projections.RequestRetry(context.Background(), w.Pool, projection, tenant); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		f, err := projections.LoadFailure(context.Background(), w.Pool, projection, tenant)
		if errors.Is(err, projections.ErrNoFailure) {
			return projections.TenantFailure{}, false
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.RetryRequested == nil {
			return f, true
		}
		time.Sleep(5 * time.Millisecond) // the host's transactions, in another goroutine, are the condition
	}
	t.Fatalf("the retry of %s for %s did not end within 20 s", projection, tenant)
	return projections.TenantFailure{}, false
}

// assertSameAsFresh projects the feed afresh into faulty_v1_fresh (with
// nothing broken) and compares it with the live table, row for row.
func assertSameAsFresh(t *testing.T, w *projectiontest.World, live faulty, head eventstore.Position) {
	t.Helper()
	fresh := faulty{suffix: "_fresh", causes: brokenOn()}
	status := projections.NewStatus()
	defer run(t, w, []projections.Projector{fresh}, status)()
	w.WaitFor(status, head, fresh.Name())
	assertSameRows(t, w, live.Name(), fresh.Name())
}

// Once the cause is fixed, a retry re-applies the tenant's held events from
// the failed one on, in order: the read model then equals a fresh
// projection, and the tenant's new events are applied live again.
func TestARetryAppliesTheHeldEventsOnceTheCauseIsFixed(t *testing.T) {
	w := projectiontest.New(t)
	broken := faulty{causes: brokenOn(13)}
	seats(w, "acme", 10, 11, 12, 13, 14)
	seats(w, "globex", 1)
	last := seats(w, "acme", 15)
	status := projections.NewStatus()
	hostOf(t, w, status, broken.readModel())
	w.WaitFor(status, last, broken.Name())
	onlyFailure(t, w)

	broken.causes.set() // the fix: a new version of the projector
	if f, failed := retry(t, w, broken.Name(), "acme"); failed {
		t.Fatalf("the retry failed again: %+v", f)
	}
	if got := rowsOf(t, w, broken.Name(), "acme"); got != "10 11 12 13 14 15" {
		t.Fatalf("acme's rows after the retry %q", got)
	}
	last = seats(w, "acme", 16)
	w.WaitFor(status, last, broken.Name())
	if got := rowsOf(t, w, broken.Name(), "acme"); got != "10 11 12 13 14 15 16" {
		t.Fatalf("acme's rows after a new event %q: want it applied live", got)
	}
	assertSameAsFresh(t, w, broken, last)
}

// A retry that meets an event it still cannot apply applies the held events
// before it and stops there: the failure then names that event, with no
// retry pending; a second retry after the second fix finishes the job.
func TestARetryThatFailsAgainStopsAtTheEventThatStillFails(t *testing.T) {
	w := projectiontest.New(t)
	broken := faulty{causes: brokenOn(13)}
	last := seats(w, "acme", 10, 11, 12, 13, 14, 15, 16)
	status := projections.NewStatus()
	hostOf(t, w, status, broken.readModel())
	w.WaitFor(status, last, broken.Name())

	broken.causes.set(15) // half a fix
	f, failed := retry(t, w, broken.Name(), "acme")
	if !failed || f.StreamVersion != 6 || f.ResumeVersion != 6 || f.Position != positionOf(t, w, "acme", 6) {
		t.Fatalf("after a retry with 15 still broken: failure %+v (%t), want it at acme's 6th event", f, failed)
	}
	if got := rowsOf(t, w, broken.Name(), "acme"); got != "10 11 12 13 14" {
		t.Fatalf("acme's rows %q: want the held events before the one that still fails", got)
	}
	broken.causes.set()
	if f, failed := retry(t, w, broken.Name(), "acme"); failed {
		t.Fatalf("the second retry failed: %+v", f)
	}
	assertSameAsFresh(t, w, broken, last)
}

// A retry request answers with the failure it asked to retry even when the
// host, polling meanwhile, carries the retry out at once: the request used
// to read the failure back in a statement of its own, and a retry that had
// already cleared it made the request answer "no failure of this tenant"
// (the CLI exited 1, POST .../retry answered 404) for a retry that worked.
func TestARetryRequestAnswersWithItsFailureWhenTheRetryEndsAtOnce(t *testing.T) {
	w := projectiontest.New(t)
	broken := faulty{causes: brokenOn(13)}
	last := seats(w, "acme", 12, 13, 14)
	status := projections.NewStatus()
	hostOf(t, w, status, broken.readModel())
	w.WaitFor(status, last, broken.Name())
	failed := onlyFailure(t, w)

	broken.causes.set()
	db := &retriedAtOnce{DB: w.Pool, t: t, w: w, projection: broken.Name(), tenant: "acme"}
	f, err := projections.RequestRetry(context.Background(), db, broken.Name(), "acme")
	if err != nil || f.Tenant != "acme" || f.Position != failed.Position || f.RetryRequested == nil {
		t.Fatalf("retry request: %+v (%v), want acme's failure at %s with a retry requested", f, err, failed.Position)
	}
	db.awaitRetried() // and the retry was carried out: the request had no other answer to give
	if got := rowsOf(t, w, broken.Name(), "acme"); got != "12 13 14" {
		t.Fatalf("acme's rows after the retry %q", got)
	}
}

// retriedAtOnce is a database through which a retry is requested: once the
// request's statement has run, the next statement through it waits until
// the host has carried the retry out and cleared the failure, as a host
// polling between two statements of the requester's may.
type retriedAtOnce struct {
	projections.DB
	t          *testing.T
	w          *projectiontest.World
	projection string
	tenant     domain.TenantID
	requested  bool
}

func (db *retriedAtOnce) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	db.before(sql)
	return db.DB.Exec(ctx, sql, args...)
}

func (db *retriedAtOnce) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	db.before(sql)
	return db.DB.Query(ctx, sql, args...)
}

func (db *retriedAtOnce) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	db.before(sql)
	return db.DB.QueryRow(ctx, sql, args...)
}

// before lets a statement after the request run once the retry is over.
func (db *retriedAtOnce) before(sql string) {
	if db.requested {
		db.awaitRetried()
	}
	db.requested = db.requested || strings.Contains(sql, "retry_requested_at = now()")
}

// awaitRetried waits until the host has cleared the failure, reading it
// from the world's own pool.
func (db *retriedAtOnce) awaitRetried() {
	db.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, err := projections.LoadFailure(context.Background(), db.w.Pool, db.projection, db.tenant)
		if errors.Is(err, projections.ErrNoFailure) {
			return
		}
		if err != nil {
			db.t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // the host's transactions, in another goroutine, are the condition
	}
	db.t.Fatalf("the retry of %s for %s did not end within 20 s", db.projection, db.tenant)
}

// An event stored in a shape its projector cannot decode is that tenant's
// failure like any other: the other tenants go on.
func TestAnEventThatCannotBeDecodedStopsOnlyItsTenant(t *testing.T) {
	w := projectiontest.New(t)
	broken := faulty{causes: brokenOn()}
	seats(w, "acme", 10)
	_, err := w.Store.Append(context.Background(), "tenant-acme", eventstore.Any(), []eventstore.NewEvent{{ID: uuid.NewString(),
		Type: "SeatsChanged", SchemaVersion: 1, Payload: []byte(`{"seats": "many"}`), Metadata: []byte(`{"tenant": "acme"}`),
		OccurredAt: w.Now}})
	if err != nil {
		t.Fatal(err)
	}
	last := seats(w, "globex", 1)
	status := projections.NewStatus()
	hostOf(t, w, status, broken.readModel())
	w.WaitFor(status, last, broken.Name())
	if f := onlyFailure(t, w); f.Tenant != "acme" || f.StreamVersion != 2 || !strings.Contains(f.Error, "cannot be decoded") {
		t.Fatalf("failure %+v: want acme's undecodable 2nd event", f)
	}
	if got := rowsOf(t, w, broken.Name(), "globex"); got != "1" {
		t.Fatalf("globex's rows %q", got)
	}
}

// flaky cuts its own database connection the first two times it applies
// seats of 13, as a database restart would, then applies it.
type flaky struct{ cuts *atomic.Int32 }

func (flaky) Name() string     { return "flaky_v1" }
func (flaky) Tables() []string { return []string{"flaky_v1"} }
func (flaky) Schema() []string {
	return []string{"CREATE TABLE IF NOT EXISTS flaky_v1 (tenant text, version bigint, PRIMARY KEY (tenant, version))"}
}
func (f flaky) Reduce(e projections.Event) []projections.Statement {
	if s, ok := e.Data.(domain.SeatsChanged); ok && s.Seats == 13 && f.cuts.Add(1) <= 2 {
		return []projections.Statement{{SQL: "SELECT pg_terminate_backend(pg_backend_pid())"}}
	}
	return []projections.Statement{{SQL: "INSERT INTO flaky_v1 VALUES ($1, $2)", Args: []any{string(e.Tenant), e.Version}}}
}

// A database connection that breaks while an event is applied says nothing
// about the event: it is retried until the database answers, never
// recorded as the tenant's failure.
func TestABrokenConnectionIsWaitedOutNotRecordedAsAFailure(t *testing.T) {
	w := projectiontest.New(t)
	p := flaky{cuts: &atomic.Int32{}}
	last := seats(w, "acme", 12, 13, 14)
	status := w.Project(p)
	w.WaitFor(status, last, p.Name())
	var applied int
	if err := w.Pool.QueryRow(context.Background(), "SELECT count(*) FROM flaky_v1").Scan(&applied); err != nil || applied != 3 {
		t.Fatalf("%d rows (%v), want all 3 events applied", applied, err)
	}
	if cuts := p.cuts.Load(); cuts < 3 {
		t.Fatalf("the connection was cut %d times: the test did not exercise a broken connection", cuts-1)
	}
	if failures, err := projections.LoadFailures(context.Background(), w.Pool, ""); err != nil || len(failures) != 0 {
		t.Fatalf("failures %+v (%v), want none", failures, err)
	}
}

// A rebuild clears a tenant's failure whose cause is gone, and keeps (with
// the rebuilt tables) one whose cause is not.
func TestARebuildClearsAFailureWhoseCauseIsGoneAndKeepsOneWhoseCauseIsNot(t *testing.T) {
	w := projectiontest.New(t)
	broken := faulty{causes: brokenOn(13, 23)}
	seats(w, "acme", 12, 13, 14)
	last := seats(w, "globex", 22, 23, 24)
	status := projections.NewStatus()
	hostOf(t, w, status, broken.readModel())
	w.WaitFor(status, last, broken.Name())

	broken.causes.set(23) // acme's cause fixed, globex's not
	if _, err := projections.RequestRebuild(context.Background(), w.Pool, broken.Name(), projections.RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := awaitRebuilds(t, w); r[0].State != projections.RebuildDone {
		t.Fatalf("rebuild %+v", r[0])
	}
	if f := onlyFailure(t, w); f.Projection != broken.Name() || f.Tenant != "globex" || f.StreamVersion != 2 {
		t.Fatalf("failure after the rebuild %+v: want globex's alone, under the live name", f)
	}
	if acme, globex := rowsOf(t, w, broken.Name(), "acme"), rowsOf(t, w, broken.Name(), "globex"); acme != "12 13 14" || globex != "22" {
		t.Fatalf("rows after the rebuild: acme %q, globex %q", acme, globex)
	}
}
