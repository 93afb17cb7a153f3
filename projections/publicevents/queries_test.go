package publicevents_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/publicevents"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// While the projector holds a tenant back (it failed on one of its events),
// a reader of every tenant stops before the failed position: a retry will
// tell that tenant's events there, behind anything read past it. Readers
// of one tenant read the others as before; once the failure is gone, the
// reader of every tenant reads on.
func TestEveryTenantsReaderStopsWhereATenantIsHeldBack(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := projections.Setup(ctx, pool, publicevents.New()); err != nil {
		t.Fatal(err)
	}
	log := []struct {
		tenant string
		at     uint64
	}{{"acme", 1}, {"globex", 2}, {"acme", 3}}
	for _, r := range log {
		if _, err := pool.Exec(ctx, `INSERT INTO `+publicevents.Table+` (tenant_id, position_commit, position_prepare, event_id, type, at, remaining, body)
VALUES ($1, $2, $2, $3, 'user.activated.v1', now(), 0, '{}')`, r.tenant, r.at, fmt.Sprint("ev-", r.at)); err != nil {
			t.Fatal(err)
		}
	}
	page := func(tenant string) []uint64 {
		t.Helper()
		told, err := publicevents.Page(ctx, pool, publicevents.Filter{Tenant: domain.TenantID(tenant), Since: time.Now().Add(-time.Hour), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var at []uint64
		for _, e := range told {
			at = append(at, e.Position.Commit)
		}
		return at
	}
	if _, err := pool.Exec(ctx, `INSERT INTO projection_failures (projection, tenant, commit_position, prepare_position, stream_version,
    event_id, event_type, error, resume_version) VALUES ($1, 'globex', 2, 2, 7, 'ev-2', 'UserActivated', 'test', 7)`, publicevents.Table); err != nil {
		t.Fatal(err)
	}
	if got := page(""); fmt.Sprint(got) != "[1]" {
		t.Fatalf("every tenant's reader read %v while globex is held at 2, want [1]", got)
	}
	if got := page("acme"); fmt.Sprint(got) != "[1 3]" {
		t.Fatalf("acme's reader read %v, want [1 3]", got)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM projection_failures`); err != nil {
		t.Fatal(err)
	}
	if got := page(""); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("every tenant's reader read %v once nobody is held, want [1 2 3]", got)
	}
}
