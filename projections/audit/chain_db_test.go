package audit_test

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/audit"
)

// runAudit projects p until the returned stop, which may come before the
// test ends: a restart is a new router from the stored checkpoint.
func runAudit(t *testing.T, w *projectiontest.World, p audit.Projector) (*projections.Status, func()) {
	t.Helper()
	status := projections.NewStatus()
	router, err := projectionfeed.NewRouter(ctx, projectionfeed.RouterConfig{Pool: w.Pool, Feed: w.Store,
		Projectors: []projections.Projector{p}, Status: status, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- router.Run(ctx) }()
	<-router.Running()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = router.Close()
			<-done
		}
	}
	t.Cleanup(stop)
	return status, stop
}

// activations appends n single-event commands to tenant, alternating with
// the other tenant so that both chains interleave in the feed.
func activations(w *projectiontest.World, from, n int) eventstore.Position {
	var last eventstore.Position
	for i := from; i < from+n; i++ {
		tenant := domain.TenantID([]string{"acme", "globex"}[i%2])
		last = w.Append(tenant, domain.UserActivated{User: domain.UserID(fmt.Sprintf("u-%d", i))})
	}
	return last
}

// streamOf reads tenant's stream as the projector sees it.
func streamOf(w *projectiontest.World, tenant domain.TenantID) iter.Seq2[projections.Event, error] {
	return func(yield func(projections.Event, error) bool) {
		recs, err := w.Store.ReadStream(ctx, "tenant-"+string(tenant), 0, 100_000)
		if err != nil {
			yield(projections.Event{}, err)
			return
		}
		for _, rec := range recs {
			if !yield(projectionfeed.Decode(rec)) {
				return
			}
		}
	}
}

// verify runs Verify for tenant in a repeatable-read snapshot of q's view.
func verify(t *testing.T, w *projectiontest.World, tx pgx.Tx, table audit.Projector, tenant domain.TenantID) (audit.Verified, *audit.Mismatch) {
	t.Helper()
	done, mismatch, err := table.Verify(ctx, tx, tenant, streamOf(w, tenant))
	if err != nil {
		t.Fatal(err)
	}
	return done, mismatch
}

// snapshot begins the repeatable-read transaction Verify wants; the test
// rolls it back, with whatever tampering it did inside.
func snapshot(t *testing.T, w *projectiontest.World) pgx.Tx {
	t.Helper()
	tx, err := w.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

func waitAudit(t *testing.T, status *projections.Status, at eventstore.Position, names ...string) {
	t.Helper()
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := status.WaitFor(waitCtx, at, names...); err != nil {
		t.Fatalf("the audit projection did not reach %s: %v", at, err)
	}
}

// Live single events, a stop, a catch-up batch over the history written
// meanwhile, then live events again: the chain runs through every batch
// and the restart, matches the chain computed from the events alone, and a
// fresh projection from position 0 (one batch) stores identical rows.
func TestTheChainRunsAcrossBatchesAndRestartsAndARebuildReproducesIt(t *testing.T) {
	w := projectiontest.New(t)
	status, stop := runAudit(t, w, audit.New())
	waitAudit(t, status, activations(w, 0, 6), audit.Table)
	stop()
	activations(w, 6, 9) // while stopped: one catch-up batch at the restart
	status, _ = runAudit(t, w, audit.New())
	head := activations(w, 15, 5)
	waitAudit(t, status, head, audit.Table)

	var batches int64
	if err := w.Pool.QueryRow(ctx, `SELECT events FROM projection_checkpoints WHERE name = $1`, audit.Table).Scan(&batches); err != nil || batches != 20 {
		t.Fatalf("the projection applied %d events (%v), want 20", batches, err)
	}
	for _, tenant := range []domain.TenantID{"acme", "globex"} {
		var events []projections.Event
		for e, err := range streamOf(w, tenant) {
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, e)
		}
		want, _ := hashes(t, nil, events)
		rows, _ := w.Pool.Query(ctx, `SELECT encode(hash, 'hex') FROM `+audit.Table+` WHERE tenant_id = $1 ORDER BY position_commit, position_prepare`, string(tenant))
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%s: stored chain %v (%v), want %v", tenant, got, err, want)
		}
		if done, mismatch := verify(t, w, snapshot(t, w), audit.New(), tenant); mismatch != nil || done.Entries != 10 || done.Head.String() != want[9] {
			t.Fatalf("%s: verify → %+v, %v", tenant, done, mismatch)
		}
	}

	fresh := audit.NewSuffixed("_fresh")
	freshStatus, _ := runAudit(t, w, fresh)
	waitAudit(t, freshStatus, head, fresh.Name())
	var differ int
	err := w.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (
    (SELECT * FROM %[1]s EXCEPT ALL SELECT * FROM %[2]s) UNION ALL (SELECT * FROM %[2]s EXCEPT ALL SELECT * FROM %[1]s)) d`,
		audit.Table, fresh.Name())).Scan(&differ)
	if err != nil || differ != 0 {
		t.Fatalf("a rebuild from position 0 differs from the live trail in %d rows (%v)", differ, err)
	}
}

// Every kind of tampering with the read model is found at the entry it
// touched, naming what differs; the untouched trail verifies.
func TestVerifyFindsTheFirstTamperedEntry(t *testing.T) {
	w := projectiontest.New(t)
	status, _ := runAudit(t, w, audit.New())
	waitAudit(t, status, activations(w, 0, 12), audit.Table)
	var rows []eventstore.Position
	for e, err := range streamOf(w, "acme") {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, e.Position)
	}
	third, last := rows[2], rows[len(rows)-1]
	at := func(p eventstore.Position) string {
		return fmt.Sprintf("tenant_id = 'acme' AND position_commit = %d AND position_prepare = %d", p.Commit, p.Prepare)
	}
	beyond := eventstore.Position{Commit: last.Commit, Prepare: last.Prepare + 1000}
	for _, c := range []struct {
		name, sql, field string
		position         eventstore.Position
	}{
		{"reason", "UPDATE " + audit.Table + " SET reason = 'routine' WHERE " + at(third), "reason", third},
		{"actor", "UPDATE " + audit.Table + " SET actor_id = 'mallory' WHERE " + at(third), "actor_id", third},
		{"action", "UPDATE " + audit.Table + " SET action = 'UserBlocked' WHERE " + at(third), "action", third},
		{"at", "UPDATE " + audit.Table + " SET at = at + interval '1 hour' WHERE " + at(third), "at", third},
		{"details", "UPDATE " + audit.Table + ` SET details = '{"team":"red"}' WHERE ` + at(third), "details", third},
		{"hash", "UPDATE " + audit.Table + " SET hash = sha256('forged') WHERE " + at(third), "hash", third},
		{"deleted row", "DELETE FROM " + audit.Table + " WHERE " + at(third), "entry", third},
		{"inserted row", fmt.Sprintf("INSERT INTO %[1]s SELECT tenant_id, position_commit, %[2]d, stream_version, event_id, at, action, "+
			"actor_id, target_id, reason, details, hash FROM %[1]s WHERE %[3]s", audit.Table, beyond.Prepare, at(last)), "entry", beyond},
	} {
		tx := snapshot(t, w)
		if _, err := tx.Exec(ctx, c.sql); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, mismatch := verify(t, w, tx, audit.New(), "acme")
		if mismatch == nil || mismatch.Field != c.field || mismatch.Position != c.position.String() || mismatch.Expected == mismatch.Found {
			t.Errorf("%s: verify reports %v, want %s at %s", c.name, mismatch, c.field, c.position)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if done, mismatch := verify(t, w, snapshot(t, w), audit.New(), "acme"); mismatch != nil || done.Entries != 6 {
		t.Fatalf("the untouched trail: %+v, %v", done, mismatch)
	}
}
