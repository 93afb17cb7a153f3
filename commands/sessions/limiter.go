package sessions

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits bounds failed logins: each failure takes a token from the bucket of
// the account and of the client address; an empty bucket refuses attempts
// until it refills.
type Limits struct {
	// AccountBurst failures per account, refilled at AccountEvery.
	AccountBurst int
	AccountEvery time.Duration
	// AddressBurst failures per client address, refilled at AddressEvery.
	AddressBurst int
	AddressEvery time.Duration
}

// DefaultLimits: 5 failures per account then one more per minute; 30 per
// address (an office behind one NAT) then one more every 2 seconds.
func DefaultLimits() Limits {
	return Limits{AccountBurst: 5, AccountEvery: time.Minute, AddressBurst: 30, AddressEvery: 2 * time.Second}
}

// maxBuckets bounds the memory of a limiter under a spray of addresses:
// beyond it, refilled buckets (which limit nothing) are dropped.
const maxBuckets = 100_000

// failureLimiter counts failures per key in token buckets, in memory: each
// process limits on its own (N processes allow N times the burst).
type failureLimiter struct {
	every time.Duration
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newFailureLimiter(burst int, every time.Duration) *failureLimiter {
	return &failureLimiter{every: every, burst: burst, buckets: map[string]*rate.Limiter{}}
}

// wait returns how long key must wait before its next attempt, 0 if none.
func (l *failureLimiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return 0
	}
	tokens := b.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	// Rounded to milliseconds: the token arithmetic is in floating point.
	return time.Duration(math.Ceil((1 - tokens) * float64(l.every))).Round(time.Millisecond)
}

// failed takes one token from key's bucket.
func (l *failureLimiter) failed(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.dropRefilled(now)
		}
		b = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.buckets[key] = b
	}
	b.AllowN(now, 1)
}

func (l *failureLimiter) dropRefilled(now time.Time) {
	for key, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, key)
		}
	}
}

// accountKey names an account in a limiter without keeping its e-mail
// address in memory.
func accountKey(tenant, normalizedEmail string) string {
	sum := sha256.Sum256([]byte(tenant + "\x00" + normalizedEmail))
	return hex.EncodeToString(sum[:16])
}
