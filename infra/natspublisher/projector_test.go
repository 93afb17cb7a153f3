package natspublisher_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/natspublisher"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections/publicevents"
)

// The rows the public events projector stores reach the stream byte for
// byte, in feed order; and no message names a person (their e-mails and
// names are in the events the rows were told from).
func TestTheProjectorsRowsReachTheStreamAsStoredNamingNobody(t *testing.T) {
	events := projectiontest.NewOnPostgreSQL(t)
	status := events.Project(publicevents.New())
	var last eventstore.Position
	for _, tenant := range []domain.TenantID{"acme", "globex"} {
		for _, batch := range projectiontest.InvitedUsers(t, tenant, 20) {
			last = events.Append(tenant, batch...)
		}
	}
	events.WaitFor(status, last, publicevents.New().Name())
	var named bool // the check below would prove nothing were the events not to name anyone
	if err := events.Pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM events WHERE payload::text LIKE '%u1@acme.test%')`).
		Scan(&named); err != nil || !named {
		t.Fatalf("the events name nobody (%v)", err)
	}
	w := worldOn(t, events.URL, events.Pool)
	rows := w.stored()
	if len(rows) < 40 {
		t.Fatalf("the projector stored %d public events, want at least 40", len(rows))
	}
	w.run(natspublisher.Options{})
	w.assertPublished(natspublisher.DefaultStream, rows)
	for _, m := range w.stream(w.nats.jetStream(), natspublisher.DefaultStream) {
		if bytes.Contains(m.Body, []byte(".test")) || bytes.Contains(m.Body, []byte("User ")) || bytes.Contains(m.Body, []byte("Owner\"")) {
			t.Errorf("message %s names a person: %s", m.ID, m.Body)
		}
	}
}

// stored reads the public event log, in feed order.
func (w *world) stored() []row {
	w.t.Helper()
	read, err := w.pool.Query(context.Background(), `SELECT position_commit, position_prepare, tenant_id, event_id, type, remaining, body
FROM `+publicevents.Table+` ORDER BY position_commit, position_prepare`)
	if err != nil {
		w.t.Fatal(err)
	}
	rows, err := pgx.CollectRows(read, func(read pgx.CollectableRow) (row, error) {
		var r row
		err := read.Scan(&r.Position.Commit, &r.Position.Prepare, &r.Tenant, &r.ID, &r.Type, &r.Remaining, &r.Body)
		return r, err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return rows
}
