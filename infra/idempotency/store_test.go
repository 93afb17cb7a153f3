package idempotency_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/infra/idempotency"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// t0 is a fixed clock reading, whole microseconds as the database stores them.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589_793_000, time.UTC)

func newStore(t *testing.T) *idempotency.Store {
	t.Helper()
	return idempotency.New(pgtest.NewPool(t))
}

// id names a key of tenant of the zero caller.
func id(tenant, key string) execution.IdempotencyID {
	return execution.IdempotencyID{Tenant: tenant, Key: key}
}

func claim(t *testing.T, s *idempotency.Store, tenant, key, fingerprint string, now time.Time) (execution.IdempotencyRecord, bool) {
	t.Helper()
	rec, claimed, err := s.Claim(context.Background(), id(tenant, key), fingerprint, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	return rec, claimed
}

func mustClaim(t *testing.T, s *idempotency.Store, tenant, key, fingerprint string, now time.Time) {
	t.Helper()
	if rec, claimed := claim(t, s, tenant, key, fingerprint, now); !claimed {
		t.Fatalf("claim %s/%s at %v refused; existing %+v", tenant, key, now, rec)
	}
}

func mustFindRecord(t *testing.T, s *idempotency.Store, tenant, key string, now time.Time, want execution.IdempotencyRecord) {
	t.Helper()
	rec, claimed := claim(t, s, tenant, key, "probe", now)
	if claimed {
		t.Fatalf("claim %s/%s at %v succeeded; want existing record %+v", tenant, key, now, want)
	}
	if rec.Fingerprint != want.Fingerprint || !rec.CreatedAt.Equal(want.CreatedAt) ||
		!bytes.Equal(rec.Outcome, want.Outcome) || (rec.Outcome == nil) != (want.Outcome == nil) {
		t.Fatalf("existing record %+v, want %+v", rec, want)
	}
}

func TestTheFirstClaimOfAKeyWinsAndLaterOnesSeeItInProgress(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	mustClaim(t, s, "tenant-a", "key-1", "fp-1", t0)
	mustFindRecord(t, s, "tenant-a", "key-1", t0.Add(time.Minute),
		execution.IdempotencyRecord{Fingerprint: "fp-1", CreatedAt: t0})
}

func TestACompletedKeyReturnsItsOutcome(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for key, outcome := range map[string][]byte{"full": []byte(`{"status":201}`), "empty": {}} {
		mustClaim(t, s, "tenant-a", key, "fp-"+key, t0)
		if err := s.Complete(ctx, id("tenant-a", key), outcome); err != nil {
			t.Fatal(err)
		}
		mustFindRecord(t, s, "tenant-a", key, t0.Add(time.Hour),
			execution.IdempotencyRecord{Fingerprint: "fp-" + key, Outcome: outcome, CreatedAt: t0})
	}
}

// A key is its caller's: the operator's, and each user's, are other
// records, each claimed by its own first request and completed on its own.
func TestTheSameKeyOfAnotherCallerIsAnotherKey(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	callers := []string{"operator", "user:ann", "user:bob", ""}
	for _, caller := range callers {
		key := execution.IdempotencyID{Tenant: "tenant-a", Caller: caller, Key: "key-1"}
		if _, claimed, err := s.Claim(ctx, key, "fp-"+caller, 0, t0); err != nil || !claimed {
			t.Fatalf("caller %q: claimed %v, %v; want its own record", caller, claimed, err)
		}
		if err := s.Complete(ctx, key, []byte("outcome of "+caller)); err != nil {
			t.Fatal(err)
		}
	}
	for _, caller := range callers {
		rec, claimed, err := s.Claim(ctx, execution.IdempotencyID{Tenant: "tenant-a", Caller: caller, Key: "key-1"}, "probe", 0, t0)
		if err != nil || claimed || rec.Fingerprint != "fp-"+caller || string(rec.Outcome) != "outcome of "+caller {
			t.Errorf("caller %q finds %+v (claimed %v, %v), want its own record", caller, rec, claimed, err)
		}
	}
}

func TestTheSameKeyInAnotherTenantIsAnotherKey(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	mustClaim(t, s, "tenant-a", "key-1", "fp-a", t0)
	mustClaim(t, s, "tenant-b", "key-1", "fp-b", t0)
	mustFindRecord(t, s, "tenant-a", "key-1", t0, execution.IdempotencyRecord{Fingerprint: "fp-a", CreatedAt: t0})
}

// claimConcurrently has n goroutines claim one key at once (released
// together) and returns how many claimed it and the fingerprints the others saw.
func claimConcurrently(t *testing.T, s *idempotency.Store, key string, n int, now time.Time) (winners int, seen map[string]int) {
	t.Helper()
	type result struct {
		claimed bool
		rec     execution.IdempotencyRecord
		err     error
	}
	results := make(chan result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec, claimed, err := s.Claim(context.Background(), id("tenant-a", key), fmt.Sprintf("fp-%d", i), 0, now)
			results <- result{claimed, rec, err}
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	seen = map[string]int{}
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.claimed {
			winners++
		} else {
			seen[r.rec.Fingerprint]++
		}
	}
	return winners, seen
}

func TestConcurrentClaimsOfANewKeyHaveExactlyOneWinner(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	const claimants = 20
	winners, seen := claimConcurrently(t, s, "key-1", claimants, t0)
	if winners != 1 || len(seen) != 1 {
		t.Fatalf("%d winners; losers saw fingerprints %v; want 1 winner whose record all %d losers saw", winners, seen, claimants-1)
	}
	for fp, n := range seen {
		if n != claimants-1 {
			t.Fatalf("losers saw %v", seen)
		}
		mustFindRecord(t, s, "tenant-a", "key-1", t0, execution.IdempotencyRecord{Fingerprint: fp, CreatedAt: t0})
	}
}

func TestConcurrentClaimsOfAnExpiredKeyHaveExactlyOneWinner(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	mustClaim(t, s, "tenant-a", "key-1", "fp-old", t0)
	const claimants = 20
	later := t0.Add(execution.IdempotencyTTL + time.Second)
	winners, seen := claimConcurrently(t, s, "key-1", claimants, later)
	if winners != 1 || len(seen) != 1 || seen["fp-old"] != 0 {
		t.Fatalf("%d winners; losers saw fingerprints %v; want 1 new winner", winners, seen)
	}
}

// The record is live for IdempotencyTTL by the caller's clock, then replaced
// by the next claim as if it had never been there.
func TestAnExpiredRecordIsReplacedAsIfAbsent(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustClaim(t, s, "tenant-a", "key-1", "fp-old", t0)
	if err := s.Complete(ctx, id("tenant-a", "key-1"), []byte("old outcome")); err != nil {
		t.Fatal(err)
	}
	lastLive := t0.Add(execution.IdempotencyTTL - time.Microsecond)
	mustFindRecord(t, s, "tenant-a", "key-1", lastLive,
		execution.IdempotencyRecord{Fingerprint: "fp-old", Outcome: []byte("old outcome"), CreatedAt: t0})

	expired := t0.Add(execution.IdempotencyTTL)
	mustClaim(t, s, "tenant-a", "key-1", "fp-new", expired)
	mustFindRecord(t, s, "tenant-a", "key-1", expired,
		execution.IdempotencyRecord{Fingerprint: "fp-new", CreatedAt: expired})
}

func TestCompletingAKeyNotInProgressFails(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.Complete(ctx, id("tenant-a", "never-claimed"), []byte("x")); !errors.Is(err, idempotency.ErrNotInProgress) {
		t.Fatalf("complete of an unclaimed key: %v, want ErrNotInProgress", err)
	}
	mustClaim(t, s, "tenant-a", "key-1", "fp-1", t0)
	if err := s.Complete(ctx, id("tenant-a", "key-1"), nil); err == nil {
		t.Fatal("a nil outcome (which reads as in progress) was accepted")
	}
	if err := s.Complete(ctx, id("tenant-a", "key-1"), []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, id("tenant-a", "key-1"), []byte("second")); !errors.Is(err, idempotency.ErrNotInProgress) {
		t.Fatalf("second complete: %v, want ErrNotInProgress", err)
	}
	mustFindRecord(t, s, "tenant-a", "key-1", t0,
		execution.IdempotencyRecord{Fingerprint: "fp-1", Outcome: []byte("first"), CreatedAt: t0})
}

func TestPurgeDeletesOnlyExpiredRecords(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	mustClaim(t, s, "tenant-a", "old-1", "fp", t0)
	mustClaim(t, s, "tenant-b", "old-2", "fp", t0.Add(time.Hour))
	mustClaim(t, s, "tenant-a", "young", "fp", t0.Add(time.Hour+time.Microsecond))
	n, err := s.Purge(context.Background(), t0.Add(execution.IdempotencyTTL+time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("purged %d (err %v), want 2", n, err)
	}
	mustFindRecord(t, s, "tenant-a", "young", t0.Add(time.Hour),
		execution.IdempotencyRecord{Fingerprint: "fp", CreatedAt: t0.Add(time.Hour + time.Microsecond)})
	mustClaim(t, s, "tenant-a", "old-1", "fp-again", t0) // absent now, even at the old clock
}

// The stream version the first claimant knew is kept for its retries, and
// replaced with the record when the key has expired.
func TestAClaimKeepsTheStreamVersionItsClaimantKnew(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, claimed, err := s.Claim(ctx, id("tenant-a", "key-1"), "fp", 41, t0); err != nil || !claimed {
		t.Fatalf("first claim: %v, %v", claimed, err)
	}
	rec, claimed, err := s.Claim(ctx, id("tenant-a", "key-1"), "fp", 99, t0.Add(time.Minute))
	if err != nil || claimed || rec.AfterVersion != 41 {
		t.Fatalf("retry sees %+v (claimed %v, %v), want the first claimant's version 41", rec, claimed, err)
	}
	later := t0.Add(execution.IdempotencyTTL)
	if _, claimed, err := s.Claim(ctx, id("tenant-a", "key-1"), "fp", 120, later); err != nil || !claimed {
		t.Fatalf("claim of the expired key: %v, %v", claimed, err)
	}
	if rec, _, _ := s.Claim(ctx, id("tenant-a", "key-1"), "fp", 0, later); rec.AfterVersion != 120 {
		t.Fatalf("after expiry the record keeps version %d, want the new claimant's 120", rec.AfterVersion)
	}
}
