package sessionstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/sessionstore"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	bg = context.Background()
	// t0 has whole microseconds, as the database stores instants.
	t0 = time.Date(2026, 3, 14, 9, 26, 53, 589_793_000, time.UTC)
)

func TestASessionIsFoundByItsDigestUntilItEnds(t *testing.T) {
	t.Parallel()
	s := sessionstore.New(pgtest.NewPool(t))
	want := sessions.Session{Digest: "d1", Tenant: "acme", User: "ann", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.Create(bg, want); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.Find(bg, "d1")
	if err != nil || !found || got.Tenant != want.Tenant || got.User != want.User || !got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("find: %+v %t %v, want %+v", got, found, err, want)
	}
	if _, found, _ := s.Find(bg, "d2"); found {
		t.Fatal("an unknown digest was found")
	}
	if err := s.End(bg, "d1"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Find(bg, "d1"); found {
		t.Fatal("an ended session was found")
	}
	if err := s.End(bg, "d1"); err != nil {
		t.Fatalf("ending it again: %v", err)
	}
}

func TestPurgeDeletesOnlyExpiredSessions(t *testing.T) {
	t.Parallel()
	s := sessionstore.New(pgtest.NewPool(t))
	for digest, expires := range map[string]time.Time{"old": t0.Add(-time.Second), "due": t0, "live": t0.Add(time.Second)} {
		if err := s.Create(bg, sessions.Session{Digest: digest, Tenant: "acme", User: "ann", IssuedAt: t0.Add(-time.Hour), ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Purge(bg, t0); err != nil || n != 2 {
		t.Fatalf("purge: %d, %v; want 2", n, err)
	}
	if _, found, _ := s.Find(bg, "live"); !found {
		t.Fatal("the live session was purged")
	}
}
