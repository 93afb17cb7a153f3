package execution

import (
	"sync"
	"time"

	"github.com/rosterhq/roster/domain"
)

// maxBatch bounds how many queued commands one append carries.
const maxBatch = 64

// request is one command waiting for, or carried out by, its tenant's turn.
type request struct {
	env   Envelope
	cmd   domain.Command
	shown Shown
	// alone requests are never batched with others (an idempotency key's
	// deterministic event ids must land as their own append).
	alone bool
	// other is set for a request with an idempotency key: where another
	// attempt of it may have stored its events (see otherAttempt).
	other *otherAttempt

	done   bool // set, with res and err, by whoever carried it out
	res    Result
	err    error
	events []domain.Event // decided, while a batch is being built
	// consequences are those of events, taken as they are applied.
	consequences []domain.Consequence
	// first is the stream version of the request's first event, and at the
	// instant stamped on its events, once they are appended.
	first int64
	at    time.Time
}

func (r *request) finish(res Result, err error) { r.res, r.err, r.done = res, err, true }

// requestQueue holds the requests of one tenant that wait for its lock.
// Whoever holds the lock takes them in arrival order and carries them out
// together: group commit, so that concurrent commands on one tenant share
// one append (and one WAL flush) instead of each waiting for its own.
type requestQueue struct {
	mu      sync.Mutex
	waiting []*request
}

func (q *requestQueue) push(r *request) {
	q.mu.Lock()
	q.waiting = append(q.waiting, r)
	q.mu.Unlock()
}

// take removes the next batch: a lone request on its own, else up to
// maxBatch requests that may share an append.
func (q *requestQueue) take() []*request {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for n < len(q.waiting) && n < maxBatch {
		if q.waiting[n].alone {
			if n == 0 {
				n = 1
			}
			break
		}
		n++
	}
	batch := q.waiting[:n:n]
	q.waiting = q.waiting[n:]
	return batch
}
