package webhooks

import (
	"sync"
	"time"

	"github.com/rosterhq/roster/domain"
)

// endpointKey names an endpoint across tenants.
type endpointKey struct {
	tenant domain.TenantID
	id     string
}

// String is the key as keySQL writes it.
func (k endpointKey) String() string { return string(k.tenant) + "/" + k.id }

// claimAhead is how many deliveries a fast endpoint may have claimed here
// per slot it may send on (PerEndpoint): enough that one claim statement
// serves hundreds of attempts, few enough that they are all sent well
// within their lease (claimAhead attempts of fastAttempt each take 8 s of
// a lease of at least 31 s).
const claimAhead = 32

// fastAttempt is the longest attempt after which an endpoint still counts
// as fast: its deliveries are claimed ahead.
const fastAttempt = 250 * time.Millisecond

// quickAhead is how many deliveries a quick endpoint may hold per slot:
// enough that one statement leases a fan-out page of a backlog, few
// enough that they are all sent well within their lease (quickAhead
// attempts of quickAttempt each take under 3 s of a lease of at least
// 31 s; should the endpoint slow down, what would outlast its lease goes
// back unsent).
const quickAhead = 256

// quickAttempt is the longest attempt after which a fast endpoint counts
// as quick.
const quickAttempt = 10 * time.Millisecond

// speed is how an attempt went: not delivered, or delivered after longer
// than fastAttempt (slow), within it (fast), or within quickAttempt.
type speed int

const (
	slow speed = iota
	fast
	quick
)

// speedOf is the speed of an attempt that came to o.
func speedOf(o outcome) speed {
	switch {
	case !o.delivered() || o.latency > fastAttempt:
		return slow
	case o.latency > quickAttempt:
		return fast
	}
	return quick
}

// forgetFast is how long an idle fast endpoint is remembered as fast.
const forgetFast = time.Minute

// holding is what this process holds, per endpoint: the deliveries it has
// claimed and not yet sent (waiting for a slot), and the attempts under
// way. An endpoint may have at most PerEndpoint attempts under way
// (quickSlots times as many while it answers within quickAttempt), so
// that a slow or hanging receiver cannot hold up every other tenant's
// deliveries; it may hold PerEndpoint deliveries in all, or claimAhead
// times as many while it answers fast, so that a busy endpoint costs a
// claim per few hundred deliveries rather than one per attempt.
type holding struct {
	mu        sync.Mutex
	sending   int // attempts under way, all endpoints
	waiting   int // claimed deliveries not yet sent, all endpoints
	endpoints map[endpointKey]*held
	drained   bool // the workers have stopped
	// awaited are the endpoints whose windows the fan-out waits for (see
	// awaitRoom): the next attempt at one of them to end with room enough
	// wakes it.
	awaited map[endpointKey]bool
}

// held is one endpoint's share of holding.
type held struct {
	waiting []claimed // in the order claimed
	sending int
	fast    bool      // its last attempt here delivered within fastAttempt
	quick   bool      // within quickAttempt
	more    bool      // the last claim gave it all it could hold: more may be due
	used    time.Time // when an attempt last ended
}

func (e *held) count() int { return len(e.waiting) + e.sending }

// quickSlots is how many times PerEndpoint attempts a quick endpoint may
// have under way: its attempts end within quickAttempt, so its slots come
// free again at once, and a receiver answering at once is fed at the pace
// of the process rather than of PerEndpoint round trips queued behind
// everything else the two cores do. Should it hang, its next attempts find
// it slow and it is back to PerEndpoint.
const quickSlots = 2

// slots is how many attempts e may have under way.
func (e *held) slots(o Options) int {
	if e.quick {
		return quickSlots * o.PerEndpoint
	}
	return o.PerEndpoint
}

// limit is how many deliveries e may hold.
func (e *held) limit(o Options) int {
	switch {
	case e.quick:
		return o.PerEndpoint * quickAhead
	case e.fast:
		return o.PerEndpoint * claimAhead
	}
	return o.PerEndpoint
}

func (h *holding) endpoint(k endpointKey) *held {
	if h.endpoints == nil {
		h.endpoints = map[endpointKey]*held{}
	}
	e := h.endpoints[k]
	if e == nil {
		e = &held{}
		h.endpoints[k] = e
	}
	return e
}

// add holds a batch that a claim of n, made with b held, returned, and
// notes which endpoints may have more due: those that got all they asked
// for (all they could hold then), or got some of a batch cut short by n;
// an endpoint that was at its limit keeps what was noted before.
func (h *holding) add(batch []claimed, b busy, n int, o Options) {
	h.mu.Lock()
	defer h.mu.Unlock()
	got := map[endpointKey]int{}
	for _, c := range batch {
		k := endpointKey{c.tenant, c.endpoint}
		e := h.endpoint(k)
		e.waiting = append(e.waiting, c)
		h.waiting++
		got[k]++
	}
	asked := map[endpointKey]int{}
	for i := range b.counts {
		asked[endpointKey{domain.TenantID(b.tenants[i]), b.ids[i]}] = b.limits[i] - b.counts[i]
	}
	for k, e := range h.endpoints {
		want, known := asked[k]
		switch {
		case known && want <= 0:
			continue // at its limit, left out of the claim: it tells nothing of it
		case !known:
			want = o.PerEndpoint
		}
		e.more = got[k] > 0 && (got[k] >= want || len(batch) == n)
	}
}

// addLeased holds deliveries the fan-out queued leased to this process,
// and notes the endpoints that had more queued (to be claimed). Once the
// workers have stopped (drain), it holds nothing and returns the batch, to
// be given back.
func (h *holding) addLeased(batch []claimed, more map[endpointKey]bool) (refused []claimed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.drained {
		return batch
	}
	for _, c := range batch {
		e := h.endpoint(endpointKey{c.tenant, c.endpoint})
		e.waiting = append(e.waiting, c)
		h.waiting++
	}
	for k := range more {
		if e := h.endpoints[k]; e != nil { // one held nowhere here is claimed when the fan-out wakes the workers
			e.more = true
		}
	}
	return nil
}

// start takes the waiting deliveries that have a slot now, counting them
// under way, and those whose lease no longer covers an attempt (now + the
// attempt's time, minLease): these must not be sent, and go back. A
// rowless delivery is leased as its attempt starts.
func (h *holding) start(o Options, now time.Time, minLease time.Duration) (send, stale []claimed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.endpoints {
		for len(e.waiting) > 0 && e.sending < e.slots(o) && h.sending < o.Concurrency {
			c := e.waiting[0]
			e.waiting = e.waiting[1:]
			h.waiting--
			if c.rowless {
				// Nobody else can take it (its deferred row is this
				// process's): its lease need only cover the attempt.
				c.lease = now.Add(o.lease()).Truncate(time.Microsecond)
			} else if c.lease.Sub(now) < minLease {
				stale = append(stale, c)
				continue
			}
			e.sending++
			h.sending++
			send = append(send, c)
		}
	}
	return send, stale
}

// done ends an attempt at k that went at speed s. An endpoint that was
// not fast gives back what it still has waiting: it would wait for slow
// attempts, past its leases. roomy says whether the fan-out waits for
// room (awaitRoom) and now has it: the endpoint is no longer fast, or half
// its window is free.
func (h *holding) done(k endpointKey, s speed, now time.Time, o Options) (giveBack []claimed, roomy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.endpoint(k)
	e.sending--
	h.sending--
	e.fast, e.quick, e.used = s >= fast, s == quick, now
	if !e.fast {
		giveBack, e.waiting = e.waiting, nil
		h.waiting -= len(giveBack)
		e.more = false
	}
	if h.awaited[k] && (!e.fast || e.halfFree(o)) {
		h.awaited, roomy = nil, true
	}
	return giveBack, roomy
}

// halfFree is whether half of a fast endpoint's window is free.
func (e *held) halfFree(o Options) bool { return e.limit(o)-e.count() >= e.limit(o)/2 }

// awaitRoom notes that the fan-out waits for the windows of keys to free,
// unless one already has half of it free or is no longer fast here (then
// it says so, and the fan-out need not wait). Called after taking the
// signal that done's roomy fires, it loses no wake-up.
func (h *holding) awaitRoom(o Options, keys []endpointKey) (roomy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.awaited = nil
	for _, k := range keys {
		if e := h.endpoints[k]; e == nil || !e.fast || e.halfFree(o) {
			return true
		}
	}
	h.awaited = map[endpointKey]bool{}
	for _, k := range keys {
		h.awaited[k] = true
	}
	return false
}

// drain takes every waiting delivery, and any the fan-out adds later
// (the workers stop).
func (h *holding) drain() []claimed {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drained = true
	var all []claimed
	for _, e := range h.endpoints {
		all = append(all, e.waiting...)
		e.waiting = nil
	}
	h.waiting = 0
	return all
}

// busy is what this process holds, as the claim takes it: parallel arrays
// of tenants, endpoint ids, how many each holds and may hold.
type busy struct {
	sending, waiting int
	// reserved is how many slots the waiting deliveries will take as soon
	// as their endpoints may send more: a window held behind attempts that
	// hang takes none, and leaves the slots to other endpoints.
	reserved int
	tenants  []string
	ids      []string
	counts   []int
	limits   []int
	rooms    []int  // how many more each may hold, if fast; 0 if not
	fast     []bool // whether each is fast
	// short is whether an endpoint that may have more due has room for a
	// claim to be worth a statement (a slot, or half of a fast endpoint's
	// window).
	short bool
}

// snapshot returns what is held now, and forgets the endpoints that hold
// nothing and are not worth remembering.
func (h *holding) snapshot(o Options, now time.Time) busy {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := busy{sending: h.sending, waiting: h.waiting}
	for k, e := range h.endpoints {
		n := e.count()
		if n == 0 && (!e.fast || now.Sub(e.used) > forgetFast) {
			delete(h.endpoints, k)
			continue
		}
		b.reserved += min(len(e.waiting), max(0, e.slots(o)-e.sending))
		limit := e.limit(o)
		b.tenants, b.ids = append(b.tenants, string(k.tenant)), append(b.ids, k.id)
		b.counts, b.limits = append(b.counts, n), append(b.limits, limit)
		room := 0
		if e.fast {
			room = max(0, limit-n)
		}
		b.rooms, b.fast = append(b.rooms, room), append(b.fast, e.fast)
		threshold := 1
		if e.fast {
			threshold = limit / 2
		}
		b.short = b.short || (e.more && limit-n >= threshold)
	}
	return b
}

// atLimit are the keys of the endpoints that hold all they may (never
// nil: SQL's <> ALL of NULL is NULL).
func (b busy) atLimit() []string {
	keys := []string{}
	for i, n := range b.counts {
		if n >= b.limits[i] {
			keys = append(keys, endpointKey{domain.TenantID(b.tenants[i]), b.ids[i]}.String())
		}
	}
	return keys
}

// free is how many slots are free of attempts and of the waiting
// deliveries that will take them.
func (b busy) free(o Options) int { return max(0, o.Concurrency-b.sending-b.reserved) }

// wanted is how many deliveries the next claim asks for: the free slots
// and the fast endpoints' room.
func (b busy) wanted(o Options) int {
	room := 0
	for _, r := range b.rooms {
		room += r
	}
	return min(b.free(o)+room, o.PerEndpoint*claimAhead)
}
