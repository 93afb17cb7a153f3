package sessionstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
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

// FindTwo reads two sessions in one round trip, each as Find reads it: a
// caller's and the one it introspects, which may be the same.
func TestFindTwoReadsEachSessionAsFindDoes(t *testing.T) {
	t.Parallel()
	s := sessionstore.New(pgtest.NewPool(t))
	for _, d := range []string{"d1", "d2"} {
		if err := s.Create(bg, sessions.Session{Digest: d, Tenant: "acme", User: domain.UserID("u-" + d), IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		first, second  string
		foundA, foundB bool
	}{{"d1", "d2", true, true}, {"d2", "d1", true, true}, {"d1", "d1", true, true}, {"d1", "none", true, false}, {"none", "d2", false, true}} {
		a, b, foundA, foundB, err := s.FindTwo(bg, c.first, c.second)
		if err != nil || foundA != c.foundA || foundB != c.foundB {
			t.Fatalf("FindTwo(%s, %s): found %t %t, %v", c.first, c.second, foundA, foundB, err)
		}
		for _, got := range []struct {
			digest string
			found  bool
			s      sessions.Session
		}{{c.first, foundA, a}, {c.second, foundB, b}} {
			want, _, _ := s.Find(bg, got.digest)
			if got.found && got.s != want {
				t.Errorf("FindTwo(%s, %s) read %s as %+v; Find reads %+v", c.first, c.second, got.digest, got.s, want)
			}
		}
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
