package sessions

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// Limits bounds failed logins so that they stop attackers, not the
// accounts' owners (the scheme, and why, is in the package doc). Every
// attempt is counted as a failure before its password is checked, and
// refunded when the password turns out right.
type Limits struct {
	// AccountBurst failures per account from one client address, then one
	// more per AccountEvery.
	AccountBurst int
	AccountEvery time.Duration
	// AddressBurst failures per client address (an IPv6 address's /64),
	// over all accounts, then one more per AddressEvery.
	AddressBurst int
	AddressEvery time.Duration
	// SlowAfter failures of one account from all addresses together, after
	// which each further failure makes the account's next attempt wait:
	// 1 s, then twice as long each time, at most SlowMax. One failure is
	// forgotten per SlowMax. Clients that logged in to the account before
	// are never slowed by it.
	SlowAfter int
	SlowMax   time.Duration
}

// DefaultLimits: 5 failures per account and address then one more per
// minute; 30 per address (an office behind one NAT) then one more every 2
// seconds; an account failing 10 times from anywhere slows down to one
// attempt a minute at most, for clients that never logged in to it.
func DefaultLimits() Limits {
	return Limits{AccountBurst: 5, AccountEvery: time.Minute, AddressBurst: 30, AddressEvery: 2 * time.Second,
		SlowAfter: 10, SlowMax: time.Minute}
}

// withDefaults fills the limits left zero with DefaultLimits' (so that a
// configuration of the first four alone keeps working).
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.AccountBurst <= 0 || l.AccountEvery <= 0 {
		l.AccountBurst, l.AccountEvery = d.AccountBurst, d.AccountEvery
	}
	if l.AddressBurst <= 0 || l.AddressEvery <= 0 {
		l.AddressBurst, l.AddressEvery = d.AddressBurst, d.AddressEvery
	}
	if l.SlowAfter <= 0 || l.SlowMax <= 0 {
		l.SlowAfter, l.SlowMax = d.SlowAfter, d.SlowMax
	}
	return l
}

// maxKeys bounds the memory of each of the limiter's tables (a few hundred
// bytes a key) under a spray of addresses or e-mails: beyond it the least
// recently used key is forgotten, so an attacker's own busy keys stay.
const maxKeys = 100_000

// knownFor is how long a client that logged in to an account stays exempt
// from that account's slowdown and from its address's limit.
const knownFor = 30 * 24 * time.Hour

// limiter applies Limits, in memory: each process limits on its own (N
// processes allow N times the bursts), and forgets it all on restart.
type limiter struct {
	pairs     *buckets // per account and address
	addresses *buckets // per address
	accounts  *slowdowns
	known     *table[time.Time] // account and address → last successful login
}

func newLimiter(l Limits) *limiter {
	return &limiter{
		pairs:     newBuckets(l.AccountBurst, l.AccountEvery),
		addresses: newBuckets(l.AddressBurst, l.AddressEvery),
		accounts:  &slowdowns{after: l.SlowAfter, max: l.SlowMax, table: newTable[*slowdown]()},
		known:     newTable[time.Time](),
	}
}

// attempt is an admitted login attempt, its failure counted in advance:
// reserved before the password is checked, so that concurrent attempts
// cannot all pass the limits before the first of them fails.
type attempt struct {
	l            *limiter
	at           time.Time
	pair         string // the account and address's key
	reservations []*rate.Reservation
	slowed       *slowdownToken // nil for a known client
}

// admit reserves an attempt at now on account from address, or says how
// long to wait before the next one. A client that logged in to account
// from this address before is limited only by its own failures there.
func (l *limiter) admit(account, address string, now time.Time) (*attempt, time.Duration) {
	address = addressKey(address)
	a := &attempt{l: l, at: now, pair: account + "|" + address}
	if wait := a.reserve(l.pairs, a.pair); wait > 0 {
		return nil, wait
	}
	if last, ok := l.known.get(a.pair); ok && now.Sub(last) < knownFor {
		return a, 0
	}
	if wait := a.reserve(l.addresses, address); wait > 0 {
		a.refund()
		return nil, wait
	}
	token, wait := l.accounts.reserve(account, now)
	if wait > 0 {
		a.refund()
		return nil, wait
	}
	a.slowed = token
	return a, 0
}

func (a *attempt) reserve(b *buckets, key string) time.Duration {
	r, wait := b.reserve(key, a.at)
	if r != nil {
		a.reservations = append(a.reservations, r)
	}
	return wait
}

// refund gives back what the attempt reserved: its password was right, or
// was never checked.
func (a *attempt) refund() {
	for _, r := range a.reservations {
		r.CancelAt(a.at)
	}
	if a.slowed != nil {
		a.l.accounts.refund(a.slowed, a.at)
	}
}

// succeeded refunds the attempt and remembers its client as one that logs
// in to the account.
func (a *attempt) succeeded() {
	a.refund()
	a.l.known.put(a.pair, a.at)
}

// buckets are token buckets of failures by key.
type buckets struct {
	every time.Duration
	burst int
	table *table[*rate.Limiter]
}

func newBuckets(burst int, every time.Duration) *buckets {
	return &buckets{every: every, burst: burst, table: newTable[*rate.Limiter]()}
}

// reserve takes a token of key's bucket at now, or returns how long until
// one is there (taking none).
func (b *buckets) reserve(key string, now time.Time) (*rate.Reservation, time.Duration) {
	bucket := b.table.getOrPut(key, func() *rate.Limiter { return rate.NewLimiter(rate.Every(b.every), b.burst) })
	r := bucket.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return nil, ceilMillisecond(wait)
	}
	return r, 0
}

// ceilMillisecond rounds d up to a whole millisecond: the token arithmetic
// is in floating point, and a wait must never round down to none.
func ceilMillisecond(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}

// addressKey is what a client address is limited by: the address itself
// for IPv4, the /64 network for IPv6 (one subscriber's, whose addresses
// rotate within it).
func addressKey(address string) string {
	ip, err := netip.ParseAddr(address)
	if err != nil {
		return address
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}

// accountKey names an account in a limiter without keeping its e-mail
// address in memory.
func accountKey(tenant, normalizedEmail string) string {
	sum := sha256.Sum256([]byte(tenant + "\x00" + normalizedEmail))
	return hex.EncodeToString(sum[:16])
}

// table is a map bounded to maxKeys entries, forgetting the least recently
// used; it is safe for concurrent use.
type table[V any] struct {
	mu  sync.Mutex
	lru *simplelru.LRU[string, V]
}

func newTable[V any]() *table[V] {
	lru, _ := simplelru.NewLRU[string, V](maxKeys, nil) // errors only for a size below 1
	return &table[V]{lru: lru}
}

func (t *table[V]) get(key string) (V, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Get(key)
}

func (t *table[V]) put(key string, v V) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lru.Add(key, v)
}

// getOrPut returns key's value, storing fresh() first if there is none.
func (t *table[V]) getOrPut(key string, fresh func() V) V {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.lru.Get(key)
	if !ok {
		v = fresh()
		t.lru.Add(key, v)
	}
	return v
}
