package webhooks_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/webhooks"
)

// Two dispatchers (each on its own pool, as two processes) fan out and
// deliver at once: under normal operation (nobody dies, no lease runs out)
// every event reaches every endpoint exactly once.
func TestTwoDispatchersAtOnceDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.storeWithDefaults()
	tenants := []domain.TenantID{"acme", "globex", "initech"}
	receivers := map[domain.TenantID]*receiver{}
	for _, tenant := range tenants {
		receivers[tenant] = newReceiver(t, answering(http.StatusOK))
		endpoint(t, s, tenant, receivers[tenant].URL)
	}
	for range 2 {
		pool, err := pgxpool.New(bg, w.url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		run(t, webhooks.NewStore(pool, w.key, w.options()))
	}
	const events = 300
	for i := range events {
		w.publish(t, tenants[i%len(tenants)], "user.activated.v1")
	}

	eventually(t, 30*time.Second, "every event delivered", func() bool {
		n := 0
		for _, rc := range receivers {
			n += len(rc.ids())
		}
		return n == events
	})
	for tenant, rc := range receivers {
		if got, want := len(rc.requests()), events/len(tenants); got != want {
			t.Errorf("%s's receiver got %d requests for %d events", tenant, got, want)
		}
	}
}

// A receiver that hangs holds at most PerEndpoint of a process's slots:
// another tenant's deliveries go out meanwhile, long before the hanging
// ones time out.
func TestAHangingReceiverDoesNotHoldUpOtherEndpoints(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	st := start(t, func(o *webhooks.Options) { o.Concurrency, o.PerEndpoint, o.Timeout = 4, 2, timeout },
		func(_ int, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	other := newReceiver(t, nil)
	endpoint(t, st.s, "globex", other.URL)
	for range 10 {
		st.publish(t, "acme", "user.activated.v1")
	}
	eventually(t, 10*time.Second, "the hanging receiver's share", func() bool { return len(st.rc.requests()) == 2 })
	began := time.Now()
	sent := st.publish(t, "globex", "user.activated.v1")
	eventually(t, timeout/2, "the other tenant's delivery", func() bool { return slices.Equal(other.ids(), []string{sent.id}) })
	if n := len(st.rc.requests()); n != 2 {
		t.Errorf("the hanging receiver got %d requests at once; want its limit, 2", n)
	}
	t.Logf("delivered in %s while the hanging receiver held its two", time.Since(began))
}
