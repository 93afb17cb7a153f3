package passwords_test

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/passwords"
)

func newBudget(t *testing.T, slots int, wait time.Duration) *passwords.Budget {
	t.Helper()
	b, err := passwords.NewBudget(slots, wait)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Each computation costs real memory: this many KiB, a few milliseconds.
var costly = passwords.Params{MemoryKiB: 4096, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// However many verifications arrive together, at most the budget's size of
// them compute at once; the others wait for a slot and then compute.
func TestAtMostTheBudgetsSizeOfComputationsRunAtOnce(t *testing.T) {
	t.Parallel()
	budget := newBudget(t, 3, time.Minute)
	h := newHasher(t, costly).Within(budget)
	hash := mustHash(t, newHasher(t, costly), "hunter2hunter2")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = h.Verify("a wrong guess", hash)
			case 1:
				err = h.VerifyDummy("a wrong guess")
			default:
				_, err = h.Hash("a new password")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s := budget.Stats(); s.Peak > 3 || s.Computed != 40 || s.Running != 0 || s.Refused != 0 {
		t.Fatalf("budget of 3: %+v; want a peak of at most 3, 40 computed, none running or refused", s)
	}
}

// A full budget refuses after its wait, with "unavailable" (503 with
// Retry-After over HTTP), for every kind of computation alike — so a login
// for an unknown e-mail (VerifyDummy) is refused as one for a known one.
func TestAFullBudgetRefusesEveryComputationAsUnavailableAfterItsWait(t *testing.T) {
	t.Parallel()
	budget := newBudget(t, 1, 20*time.Millisecond)
	h := newHasher(t, passwords.TestParams())
	hash := mustHash(t, h, "hunter2hunter2")
	h = h.Within(budget)
	release, err := budget.Take(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, verifyErr := h.Verify("hunter2hunter2", hash)
	_, hashErr := h.Hash("hunter2hunter2")
	for name, err := range map[string]error{"Verify": verifyErr, "VerifyDummy": h.VerifyDummy("x"), "Hash": hashErr} {
		if !errors.Is(err, passwords.ErrBusy) || domain.CodeOf(err) != domain.CodeUnavailable {
			t.Errorf("%s with the budget full: %v, want ErrBusy (unavailable)", name, err)
		}
	}
	if s := budget.Stats(); s.Refused != 3 || s.Computed != 1 {
		t.Fatalf("stats %+v: want 3 refused, 1 computed (the slot held)", s)
	}
	release()
	if ok, err := h.Verify("hunter2hunter2", hash); !ok || err != nil {
		t.Fatalf("with the slot free again: %v, %v", ok, err)
	}
}

// A computation that finds the budget full waits for a slot, and computes
// as soon as one is given back within its wait.
func TestAComputationWaitsForASlotGivenBackWithinItsWait(t *testing.T) {
	t.Parallel()
	budget := newBudget(t, 1, time.Minute)
	h := newHasher(t, passwords.TestParams()).Within(budget)
	release, err := budget.Take(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.VerifyDummy("x") }()
	for deadline := time.Now().Add(10 * time.Second); budget.Stats().Waiting != 1; {
		select {
		case err := <-done:
			t.Fatalf("VerifyDummy returned (%v) while the only slot was held", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("VerifyDummy never waited for the slot")
		}
		runtime.Gosched()
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestABudgetNeedsASlot(t *testing.T) {
	t.Parallel()
	if _, err := passwords.NewBudget(0, time.Second); err == nil {
		t.Fatal("a budget of no slot was accepted")
	}
}
