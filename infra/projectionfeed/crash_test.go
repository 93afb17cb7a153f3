package projectionfeed_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/catalog"
)

func readModels(suffix string) []projections.Projector { return catalog.Projectors(suffix) }

func names(ps []projections.Projector) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name()
	}
	return out
}

// writer decides and appends a stream of valid commands until stopped.
type writer struct {
	w     *projectiontest.World
	state *domain.Tenant
	last  atomic.Pointer[eventstore.Position]
	n     int
}

func (wr *writer) do(cmd domain.Command) {
	events, err := domain.Decide(wr.state, cmd)
	if err != nil || len(events) == 0 {
		return
	}
	for _, e := range events {
		domain.Evolve(wr.state, e)
	}
	at := wr.w.Append("acme", events...)
	wr.last.Store(&at)
}

// step issues the n-th command of a mix of every kind of change.
func (wr *writer) step() {
	op, n := domain.OperatorActor(), wr.n
	wr.n++
	user := func(k int) domain.UserID { return domain.UserID(fmt.Sprintf("u-%d", k)) }
	u := user(rand.IntN(n/7 + 1))
	switch n % 7 {
	case 0:
		wr.do(domain.InviteUser{Actor: op, User: user(n / 7), Role: domain.RoleMember, Activate: true, EmailIndex: string(user(n / 7)),
			PII: domain.PersonalData{Email: fmt.Sprintf("u%d@acme.test", n/7), Name: fmt.Sprintf("User %d", n/7)}})
	case 1:
		wr.do(domain.JoinTeam{Actor: op, Team: domain.TeamID(fmt.Sprintf("t-%d", n%3)), User: u})
	case 2:
		wr.do(domain.AssignWork{Actor: op, Item: domain.WorkItemID(fmt.Sprintf("job-%d", n%40)), Kind: "job", Assignee: &u})
	case 3:
		wr.do(domain.DeactivateUser{Actor: op, User: u, At: time.Now()})
	case 4:
		wr.do(domain.ReactivateUser{Actor: op, User: u})
	case 5:
		wr.do(domain.ChangeRole{Actor: op, User: u, Role: []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleMember}[n%3]})
	default:
		if n%21 == 6 {
			wr.do(domain.DeleteUser{Actor: op, User: u})
		} else {
			wr.do(domain.AssignTeamLeader{Actor: op, Team: domain.TeamID(fmt.Sprintf("t-%d", n%3)), User: &u})
		}
	}
}

// startWriter issues commands until stopped (at the latest when the test
// ends): as fast as it can, or, with a rate, that many per second (a steady
// load, not a race).
func startWriter(t *testing.T, w *projectiontest.World, rate ...int) (*writer, func()) {
	wr := &writer{w: w, state: &domain.Tenant{}}
	op := domain.OperatorActor()
	wr.do(domain.CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Preset: domain.PresetStrict, Seats: 1_000_000,
		Owner: domain.OwnerAccount{User: "owner", EmailIndex: "owner", PII: domain.PersonalData{Email: "o@acme.test", Name: "Owner"}}})
	for k := range 3 {
		wr.do(domain.DefineTeam{Actor: op, Team: domain.TeamID(fmt.Sprintf("t-%d", k)), Name: fmt.Sprintf("Team %d", k)})
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if len(rate) == 0 {
			for {
				select {
				case <-stop:
					return
				default:
					wr.step()
				}
			}
		}
		ticker := time.NewTicker(time.Second / time.Duration(rate[0]))
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				wr.step()
			}
		}
	}()
	var once sync.Once
	stopIt := func() { once.Do(func() { close(stop); wg.Wait() }) }
	t.Cleanup(stopIt) // a test that fails halfway stops it before its store closes
	return wr, stopIt
}

// run starts the projectors and returns a stop that closes the router at
// whatever point it has reached.
func run(t *testing.T, w *projectiontest.World, ps []projections.Projector, status *projections.Status) func() {
	router, err := projectionfeed.NewRouter(context.Background(), projectionfeed.RouterConfig{Pool: w.Pool, Feed: w.Store,
		Projectors: ps, Status: status, Logger: slog.New(slog.DiscardHandler), Retries: 2, RetryInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- router.Run(context.Background()) }()
	<-router.Running()
	return func() { _ = router.Close(); <-done }
}

// Stopping the projectors anywhere — before they start, mid-catch-up, mid-
// batch while events keep arriving — and restarting them, 50 times, leaves
// read models identical, row for row, to a fresh projection of the same events.
func TestStoppingProjectorsAtRandomPointsLeavesReadModelsExact(t *testing.T) {
	w := projectiontest.New(t)
	live := readModels("")
	wr, stopWriter := startWriter(t, w)
	for round := range 50 {
		status := projections.NewStatus()
		stop := run(t, w, live, status)
		if round%3 != 0 { // else stop at once, wherever the first batch is
			at := *wr.last.Load()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			err := status.WaitFor(ctx, at, names(live)[rand.IntN(len(live))])
			cancel()
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		stop()
	}
	stopWriter()
	t.Logf("%d commands, %d events projected through 50 stops", wr.n, wr.state.Version())
	assertMatchesAFreshProjection(t, w, live, *wr.last.Load())
}

// assertMatchesAFreshProjection lets the live read models finish up to head,
// builds a second copy of each from the start of the feed, and compares the
// two table by table, row for row.
func assertMatchesAFreshProjection(t *testing.T, w *projectiontest.World, live []projections.Projector, head eventstore.Position) {
	finish := projections.NewStatus()
	defer run(t, w, live, finish)()
	w.WaitFor(finish, head, names(live)...)
	fresh := readModels("_fresh")
	freshStatus := projections.NewStatus()
	defer run(t, w, fresh, freshStatus)()
	w.WaitFor(freshStatus, head, names(fresh)...)
	for i, p := range live {
		for j, table := range p.Tables() {
			assertSameRows(t, w, table, fresh[i].Tables()[j])
		}
	}
}

func assertSameRows(t *testing.T, w *projectiontest.World, live, fresh string) {
	var liveRows, missing, extra int
	err := w.Pool.QueryRow(context.Background(), fmt.Sprintf(`SELECT
    (SELECT count(*) FROM %[1]s),
    (SELECT count(*) FROM (SELECT * FROM %[2]s EXCEPT ALL SELECT * FROM %[1]s) m),
    (SELECT count(*) FROM (SELECT * FROM %[1]s EXCEPT ALL SELECT * FROM %[2]s) x)`, live, fresh)).Scan(&liveRows, &missing, &extra)
	if err != nil {
		t.Fatal(err)
	}
	if missing != 0 || extra != 0 || liveRows == 0 {
		t.Errorf("%s: %d rows; %d rows of a fresh projection missing, %d rows too many", live, liveRows, missing, extra)
	}
}

// With the KurrentDB event store, stopping the ingester that copies its
// feed into PostgreSQL at random points — mid-subscription, mid-batch: its
// context cancelled, finer-grained than the kill test's process can be cut,
// and through the ingester's own rollback — 20 times while commands flow
// and the projectors run, leaves every read model identical, row for row,
// to a fresh projection, and the copy exact: no event was lost or copied
// twice. (Always on the fake KurrentDB, whatever ROSTER_EVENTSTORE.)
func TestStoppingTheKurrentDBIngesterAtRandomPointsLeavesReadModelsExact(t *testing.T) {
	w := projectiontest.NewOnKurrentDB(t)
	live := readModels("")
	stopProjectors := run(t, w, live, projections.NewStatus())
	wr, stopWriter := startWriter(t, w)
	for range 20 {
		stopIngester := w.RunIngester()
		stop := time.NewTimer(time.Duration(rand.IntN(40_000)) * time.Microsecond) // the random stop point
		<-stop.C
		stopIngester()
	}
	stopWriter()
	stopProjectors()
	defer w.RunIngester()()
	t.Logf("%d commands, %d events ingested through 20 stops", wr.n, wr.state.Version())
	assertMatchesAFreshProjection(t, w, live, *wr.last.Load())
	assertCopiedExactly(t, w)
}
