package passwords_test

import (
	"context"
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
				_, err = h.Verify(bg, "a wrong guess", hash)
			case 1:
				err = h.VerifyDummy(bg, "a wrong guess")
			default:
				_, err = h.Hash(bg, "a new password")
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
	_, verifyErr := h.Verify(bg, "hunter2hunter2", hash)
	_, hashErr := h.Hash(bg, "hunter2hunter2")
	for name, err := range map[string]error{"Verify": verifyErr, "VerifyDummy": h.VerifyDummy(bg, "x"), "Hash": hashErr} {
		if !errors.Is(err, passwords.ErrBusy) || domain.CodeOf(err) != domain.CodeUnavailable {
			t.Errorf("%s with the budget full: %v, want ErrBusy (unavailable)", name, err)
		}
	}
	if s := budget.Stats(); s.Refused != 3 || s.Computed != 1 {
		t.Fatalf("stats %+v: want 3 refused, 1 computed (the slot held)", s)
	}
	release()
	if ok, err := h.Verify(bg, "hunter2hunter2", hash); !ok || err != nil {
		t.Fatalf("with the slot free again: %v, %v", ok, err)
	}
}

// A computation that finds the budget full waits for a slot, and computes
// as soon as one is given back within its wait.
func TestAComputationWaitsForASlotGivenBackWithinItsWait(t *testing.T) {
	t.Parallel()
	_, release, done := waitingForTheOnlySlot(t, bg)
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

// A computation whose caller has gone (a client that left while its login
// waited) stops waiting for a slot at once, and computes nothing: it does
// not hold its place in the queue for the budget's whole wait.
func TestAComputationWhoseCallerHasGoneStopsWaitingForASlot(t *testing.T) {
	t.Parallel()
	gone, leave := context.WithCancel(t.Context())
	budget, release, done := waitingForTheOnlySlot(t, gone)
	defer release()
	leave()
	select {
	case err := <-done:
		if !errors.Is(err, passwords.ErrBusy) {
			t.Fatalf("a computation whose caller has gone: %v, want ErrBusy", err)
		}
	case <-time.After(10 * time.Second): // the budget's wait is a minute
		t.Fatal("a computation whose caller has gone still waits for a slot")
	}
	if s := budget.Stats(); s.Waiting != 0 || s.Computed != 1 {
		t.Errorf("stats %+v: want nobody waiting, and only the held slot computed", s)
	}
}

// waitingForTheOnlySlot holds the only slot of a budget that waits a
// minute, and starts a VerifyDummy under ctx, which it returns once it
// waits for the slot: the budget, the slot's release, and where the
// VerifyDummy's result comes.
func waitingForTheOnlySlot(t *testing.T, ctx context.Context) (*passwords.Budget, func(), <-chan error) {
	t.Helper()
	budget := newBudget(t, 1, time.Minute)
	h := newHasher(t, passwords.TestParams()).Within(budget)
	release, err := budget.Take(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.VerifyDummy(ctx, "x") }()
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
	return budget, release, done
}
