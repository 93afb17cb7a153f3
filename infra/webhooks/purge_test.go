package webhooks_test

import (
	"net/http"
	"testing"
	"time"
)

// Finished deliveries older than KeepLog leave the log, attempts and all;
// pending ones stay, whatever their age.
func TestTheDeliveryLogIsPurgedOfFinishedDeliveriesPastItsAge(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusOK))
	old := st.publish(t, "acme", "user.activated.v1")
	recent := st.publish(t, "acme", "user.activated.v1")
	eventually(t, 10*time.Second, "both delivered", func() bool { return allDelivered(t, st.s, st.e, 2) })
	_, err := st.pool.Exec(bg, `UPDATE webhook_deliveries SET created_at = now() - interval '31 days' WHERE event_id = $1`, old.id)
	if err != nil {
		t.Fatal(err)
	}
	// A failed attempt before the one that delivered: the log keeps it in
	// webhook_attempts (a delivering attempt stays on its delivery's row).
	_, err = st.pool.Exec(bg, `INSERT INTO webhook_attempts (tenant_id, endpoint_id, position_commit, position_prepare, attempt, at, latency_ms, error)
SELECT tenant_id, endpoint_id, position_commit, position_prepare, 0, created_at, 15000, 'timed out' FROM webhook_deliveries WHERE event_id = $1`, old.id)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.pool.Exec(bg, `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, position_commit, position_prepare, event_id, event_type,
    next_attempt_at, created_at) VALUES ('acme', $1, 999999, 999999, 'evt-waiting', 'user.activated.v1', 'infinity', now() - interval '60 days')`, st.e.ID)
	if err != nil {
		t.Fatal(err)
	}
	run(t, st.s) // purges as it starts

	eventually(t, 10*time.Second, "the old delivery purged", func() bool { return len(deliveries(t, st.s, st.e)) == 2 })
	var attempts int
	if err := st.pool.QueryRow(bg, `SELECT count(*) FROM webhook_attempts`).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	d := deliveries(t, st.s, st.e)
	if d[0].EventID != "evt-waiting" || d[1].EventID != recent.id || len(d[1].Attempts) != 1 || attempts != 0 {
		t.Errorf("left %s and %s with %d attempts, and %d attempts stored apart; want the pending one and %s, with its one attempt, and no other",
			d[0].EventID, d[1].EventID, len(d[1].Attempts), attempts, recent.id)
	}
}
