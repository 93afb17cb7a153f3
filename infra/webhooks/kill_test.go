package webhooks_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/childprocess"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/webhooks"
)

// childDatabaseEnv and childKeyEnv, when set, make TestDispatcherProcess
// deliver from that database, with that master key, until it is killed: the
// process the kill test starts and SIGKILLs. Without them it returns at
// once (it is the child's entry point, not a test of its own).
const (
	childDatabaseEnv = "WEBHOOKS_CHILD_DATABASE"
	childKeyEnv      = "WEBHOOKS_CHILD_MASTER_KEY"
)

// childTimeout is the child's attempt timeout; its lease, after which a
// delivery a killed child held is sent again, is 2×+1 s of it.
const childTimeout = time.Second

func TestDispatcherProcess(t *testing.T) {
	url := os.Getenv(childDatabaseEnv)
	if url == "" {
		return
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	key, err := personaldata.ParseMasterKey(os.Getenv(childKeyEnv))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store := webhooks.NewStore(pool, key, webhooks.Options{AllowPrivate: true, Timeout: childTimeout, Backoff: fastBackoff,
		Poll: 10 * time.Millisecond, Logger: log})
	webhooks.NewDispatcher(store).Run(context.Background()) // until SIGKILL
	t.Fatal("the dispatcher stopped by itself")
}

// Killing the delivering process (SIGKILL: no cleanup, a POST or a
// transaction cut wherever it is) at random points, 20 times, while public
// events keep arriving (and, in some rounds, a bulk's thousand at once,
// which the child defers and sends without a row each) loses nothing: the
// receivers end up with every event at least once, each copy under the
// event's own webhook-id, and every signature verifies with the Standard
// Webhooks reference library.
func TestKillingTheDeliveringProcessLosesNoEvent(t *testing.T) {
	w := newWorld(t)
	s := w.storeWithDefaults()
	rc := newReceiver(t, answering(http.StatusOK))
	tenants := []domain.TenantID{"acme", "globex"}
	secrets := map[domain.TenantID]webhooks.Secret{}
	for _, tenant := range tenants {
		_, secrets[tenant] = endpoint(t, s, tenant, rc.URL)
	}
	stopWriter := startPublishing(t, w, tenants)
	env := []string{childDatabaseEnv + "=" + w.url, childKeyEnv + "=" + w.encodedKey}

	afterProgress := 0
	var bulks []published
	for round := range 20 {
		before := len(rc.requests())
		child := childprocess.Start(t, "TestDispatcherProcess", env...)
		if round%4 != 0 { // else killed at once, usually before its first claim
			eventually(t, 30*time.Second, "the child's first deliveries", func() bool { return len(rc.requests()) > before })
			if round%4 == 1 { // a bulk to an endpoint the child knows as fast, killed while it sends it
				bulk, err := w.appendMany(tenants[round%len(tenants)], "user.activated.v1", 1000)
				if err != nil {
					t.Fatal(err)
				}
				bulks = append(bulks, bulk...)
				sent := len(rc.requests())
				eventually(t, 30*time.Second, "the bulk's first deliveries", func() bool { return len(rc.requests()) > sent+20 })
			}
			time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond) // a random point in what follows
			afterProgress++
		}
		child.Kill(t)
	}
	all := append(stopWriter(), bulks...)
	last := childprocess.Start(t, "TestDispatcherProcess", env...)
	eventually(t, 60*time.Second, "every event received", func() bool { return len(rc.ids()) == len(all) })
	last.Kill(t)

	copies := map[string]int{}
	for _, r := range rc.requests() {
		var body struct {
			ID     string          `json:"id"`
			Tenant domain.TenantID `json:"tenant"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || body.ID != r.eventID {
			t.Fatalf("a copy of %s came under webhook-id %q (%v)", body.ID, r.eventID, err)
		}
		verify(t, secrets[body.Tenant], r)
		copies[r.eventID]++
	}
	for _, p := range all {
		if copies[p.id] == 0 {
			t.Errorf("%s was never received", p.id)
		}
	}
	// A delivery written once, by its first attempt (see rowless.go), was
	// next due when that attempt was made.
	var rowless int
	if err := w.pool.QueryRow(bg, `SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered' AND next_attempt_at = last_attempt_at`).
		Scan(&rowless); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events, %d requests (%d duplicates), %d sent without a row first; 20 kills, %d after the child had delivered",
		len(all), len(rc.requests()), len(rc.requests())-len(all), rowless, afterProgress)
}

// startPublishing appends public events of tenants, in turn, until the
// returned stop is called; stop returns them all.
func startPublishing(t *testing.T, w *world, tenants []domain.TenantID) func() []published {
	var all []published
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(3 * time.Millisecond): // a steady flow, not a flood
			}
			p, err := w.append(tenants[i%len(tenants)], "user.activated.v1")
			if err != nil {
				t.Errorf("publishing: %v", err)
				return
			}
			all = append(all, p) // read by stop once this goroutine has ended
		}
	}()
	return func() []published {
		close(done)
		<-stopped
		return all
	}
}
