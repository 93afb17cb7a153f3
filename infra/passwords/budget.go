package passwords

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/rosterhq/roster/domain"
)

// ErrBusy is the refusal of a computation that found no free slot in its
// Budget in time: "unavailable" (503, with Retry-After), since the server,
// not the client, is short of room. A retry after a moment finds a slot.
var ErrBusy = domain.NewError(domain.CodeUnavailable, "too many passwords are being checked at once; retry in a moment")

// The defaults of the service's budget (config.Passwords says why).
const (
	DefaultHashesAtOnce = 8
	DefaultHashWait     = time.Second
)

// Budget bounds how many Argon2id computations run at once, and so their
// memory: each takes its hash's memory parameter (19 MiB with
// DefaultParams) for as long as it runs, so N slots bound that memory to
// N × 19 MiB however many logins arrive together. A computation waits for a
// slot at most Wait, in arrival order, then is refused with ErrBusy. It is
// safe for concurrent use.
type Budget struct {
	slots *semaphore.Weighted
	size  int
	wait  time.Duration

	waiting  atomic.Int64 // computations waiting for a slot now
	running  atomic.Int64 // computations inside a slot now
	peak     atomic.Int64 // the most that ever were at once
	computed atomic.Int64 // computations started, in total
	refused  atomic.Int64 // computations refused with ErrBusy
}

// NewBudget returns a Budget of slots computations at once, each waiting at
// most wait for a slot.
func NewBudget(slots int, wait time.Duration) (*Budget, error) {
	if slots < 1 || wait < 0 {
		return nil, errors.New("passwords: budget: at least one slot and a wait of zero or more are needed")
	}
	return &Budget{slots: semaphore.NewWeighted(int64(slots)), size: slots, wait: wait}, nil
}

// Take takes a slot, waiting at most the budget's wait (less if ctx ends
// first), and returns the function that gives it back; without a slot in
// time it returns ErrBusy. Every Argon2id computation of a Hasher within
// the budget takes one.
func (b *Budget) Take(ctx context.Context) (release func(), err error) {
	if !b.slots.TryAcquire(1) {
		waitCtx, cancel := context.WithTimeout(ctx, b.wait)
		defer cancel()
		b.waiting.Add(1)
		err := b.slots.Acquire(waitCtx, 1)
		b.waiting.Add(-1)
		if err != nil {
			b.refused.Add(1)
			return nil, fmt.Errorf("passwords: no slot within %s: %w", b.wait, ErrBusy)
		}
	}
	b.computed.Add(1)
	// running is counted here, apart from the semaphore, so that Peak
	// measures what the semaphore let through rather than trusting it.
	now := b.running.Add(1)
	for seen := b.peak.Load(); now > seen && !b.peak.CompareAndSwap(seen, now); seen = b.peak.Load() {
	}
	return func() { b.running.Add(-1); b.slots.Release(1) }, nil
}

// Size is the number of computations the budget lets run at once.
func (b *Budget) Size() int { return b.size }

// Stats are a Budget's counters since it was made.
type Stats struct {
	Waiting  int64 // computations waiting for a slot now
	Running  int64 // computations holding a slot now
	Peak     int64 // the most that ever held one at once
	Computed int64 // computations that got a slot
	Refused  int64 // computations refused with ErrBusy
}

// Stats reads the budget's counters.
func (b *Budget) Stats() Stats {
	return Stats{Waiting: b.waiting.Load(), Running: b.running.Load(), Peak: b.peak.Load(), Computed: b.computed.Load(), Refused: b.refused.Load()}
}
