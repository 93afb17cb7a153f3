package sessions

import (
	"math"
	"sync"
	"time"
)

// slowdowns hold, per account, the ceiling on failures from all addresses
// together: past after failures, each admitted attempt closes the account
// to further attempts for a delay that doubles with every failure, from
// 1 s to at most max, so that a distributed attack gets at most one guess
// per max, while someone else's failures keep the account's owner waiting
// no longer than max after the last of them. Failures are forgotten one
// per max.
type slowdowns struct {
	after int
	max   time.Duration
	mu    sync.Mutex // guards every slowdown of the table
	table *table[*slowdown]
}

// slowdown is one account's state.
type slowdown struct {
	failures float64   // counted failures, decaying
	at       time.Time // when failures was last decayed
	openAt   time.Time // no attempt is admitted before it
}

// slowdownToken is an admitted attempt's mark on its account, to undo it.
type slowdownToken struct {
	s              *slowdown
	before, closed time.Time // openAt before the attempt, and as it set it
}

// reserve admits an attempt on account at now, counting it as a failure,
// or returns how long until the account admits one.
func (d *slowdowns) reserve(account string, now time.Time) (*slowdownToken, time.Duration) {
	s := d.table.getOrPut(account, func() *slowdown { return &slowdown{at: now} })
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.Before(s.openAt) {
		return nil, ceilMillisecond(s.openAt.Sub(now))
	}
	d.decay(s, now)
	s.failures++
	token := &slowdownToken{s: s, before: s.openAt, closed: s.openAt}
	// Below the threshold nothing closes: concurrent attempts read the
	// clock before they queue here, so a later one may arrive first.
	if delay := d.delay(s.failures); delay > 0 {
		s.openAt = now.Add(delay)
		token.closed = s.openAt
	}
	return token, 0
}

// refund undoes an admitted attempt whose password was right or never
// checked: its failure is uncounted, and the account opened again unless a
// later attempt closed it since.
func (d *slowdowns) refund(t *slowdownToken, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.decay(t.s, now)
	t.s.failures = max(0, t.s.failures-1)
	if t.s.openAt.Equal(t.closed) {
		t.s.openAt = t.before
	}
}

// decay forgets one failure per max elapsed since s was last decayed.
func (d *slowdowns) decay(s *slowdown, now time.Time) {
	if now.After(s.at) {
		s.failures = max(0, s.failures-float64(now.Sub(s.at))/float64(d.max))
		s.at = now
	}
}

// delay is how long an account with failures counted stays closed after an
// attempt: none up to after, then 1 s, 2 s, 4 s… at most max.
func (d *slowdowns) delay(failures float64) time.Duration {
	beyond := int(math.Ceil(failures)) - d.after
	if beyond <= 0 {
		return 0
	}
	if beyond > 32 { // 2^32 s is far beyond any max
		return d.max
	}
	return min(time.Second<<(beyond-1), d.max)
}
