package webhooks

import (
	"testing"
	"time"
)

// A delivery held while its lease ran down is never sent once the lease no
// longer covers an attempt: it goes back, and the next one waiting is sent.
func TestAHeldDeliveryWhoseLeaseWouldEndDuringItsAttemptIsGivenBackNotSent(t *testing.T) {
	o := Options{}.withDefaults()
	now := time.Now()
	short := claimed{tenant: "acme", endpoint: "e", eventID: "short", lease: now.Add(o.Timeout)}
	long := claimed{tenant: "acme", endpoint: "e", eventID: "long", lease: now.Add(o.lease())}
	var h holding
	h.add([]claimed{short, long}, busy{}, 2, o)
	send, stale := h.start(o, now, o.Timeout+time.Second)
	if len(send) != 1 || send[0].eventID != "long" {
		t.Errorf("sent %v; want only the delivery whose lease covers its attempt", send)
	}
	if len(stale) != 1 || stale[0].eventID != "short" {
		t.Errorf("given back %v; want the delivery whose lease would end during its attempt", stale)
	}
}

// An endpoint whose attempt was slow or failed gives back what it holds
// beyond its attempts under way, and may again hold only PerEndpoint.
func TestAnEndpointThatTurnsSlowGivesBackWhatItHoldsAhead(t *testing.T) {
	o, now, k := Options{}.withDefaults(), time.Now(), endpointKey{"acme", "e"}
	h := holdingFast(o, now, k)
	if b := h.snapshot(o, now); b.limits[0] != o.PerEndpoint*claimAhead {
		t.Fatalf("a fast endpoint may hold %d; want %d", b.limits[0], o.PerEndpoint*claimAhead)
	}
	var batch []claimed
	for range 3 * o.PerEndpoint {
		batch = append(batch, claimed{tenant: "acme", endpoint: "e", lease: now.Add(o.lease())})
	}
	h.add(batch, busy{}, len(batch), o)
	send, _ := h.start(o, now, time.Second)
	if len(send) != o.PerEndpoint {
		t.Fatalf("started %d attempts at one endpoint; want PerEndpoint, %d", len(send), o.PerEndpoint)
	}
	back, _ := h.done(k, slow, now, o)
	if len(back) != 2*o.PerEndpoint {
		t.Errorf("a slow attempt gave back %d held deliveries; want the %d not under way", len(back), 2*o.PerEndpoint)
	}
	if b := h.snapshot(o, now); b.limits[0] != o.PerEndpoint || b.counts[0] != o.PerEndpoint-1 {
		t.Errorf("after a slow attempt the endpoint holds %d of %d; want %d of PerEndpoint, %d", b.counts[0], b.limits[0],
			o.PerEndpoint-1, o.PerEndpoint)
	}
}

// An endpoint whose window was full when another claim ran (it was left
// out of that claim) still counts as having more due: its next claim
// comes as soon as half its window is sent, not at the next poll.
func TestAClaimForOthersLeavesAFullEndpointShortOnceItsWindowDrains(t *testing.T) {
	o, now, k := Options{}.withDefaults(), time.Now(), endpointKey{"acme", "e"}
	h := holdingFast(o, now, k)
	window := o.PerEndpoint * claimAhead
	var batch []claimed
	for range window {
		batch = append(batch, claimed{tenant: "acme", endpoint: "e", lease: now.Add(o.lease())})
	}
	b := h.snapshot(o, now)
	h.add(batch, b, window, o) // its whole window: more may be due
	full := h.snapshot(o, now)
	h.add(nil, full, o.Concurrency, o) // a claim for the others, which left it out, found nothing
	for range window/2 + 1 {
		send, _ := h.start(o, now, time.Second)
		for range send {
			h.done(k, fast, now, o)
		}
	}
	if !h.snapshot(o, now).short {
		t.Error("an endpoint with more due and half its window free is not short after a claim that left it out")
	}
}

// holdingFast holds nothing but knows k as fast: its one attempt
// delivered at once.
func holdingFast(o Options, now time.Time, k endpointKey) *holding {
	var h holding
	h.add([]claimed{{tenant: k.tenant, endpoint: k.id, lease: now.Add(o.lease())}}, busy{}, 1, o)
	h.start(o, now, time.Second)
	h.done(k, fast, now, o)
	return &h
}

// A quick endpoint (its attempts answered within quickAttempt) may hold a
// window of quickAhead deliveries per slot: a fan-out page of a backlog
// at a time.
func TestAQuickEndpointHoldsAWiderWindow(t *testing.T) {
	o, now, k := Options{}.withDefaults(), time.Now(), endpointKey{"acme", "e"}
	var h holding
	h.add([]claimed{{tenant: k.tenant, endpoint: k.id, lease: now.Add(o.lease())}}, busy{}, 1, o)
	h.start(o, now, time.Second)
	h.done(k, quick, now, o)
	if b := h.snapshot(o, now); b.limits[0] != o.PerEndpoint*quickAhead || b.rooms[0] != o.PerEndpoint*quickAhead {
		t.Errorf("a quick endpoint may hold %d (room %d); want %d", b.limits[0], b.rooms[0], o.PerEndpoint*quickAhead)
	}
}

// Deliveries waiting behind an endpoint's attempts that hang take no slot
// from other endpoints: the slots left free are claimed for them (a full
// window counted against every slot kept every other tenant waiting until
// the hanging attempts timed out).
func TestAWindowHeldBehindHangingAttemptsLeavesTheSlotsToOthers(t *testing.T) {
	o, now, k := Options{}.withDefaults(), time.Now(), endpointKey{"acme", "e"}
	h := holdingFast(o, now, k)
	var batch []claimed
	for range o.PerEndpoint * claimAhead {
		batch = append(batch, claimed{tenant: "acme", endpoint: "e", lease: now.Add(o.lease())})
	}
	h.add(batch, h.snapshot(o, now), len(batch), o)
	h.start(o, now, time.Second) // PerEndpoint attempts under way, which hang; the rest wait
	b := h.snapshot(o, now)
	if want := o.Concurrency - o.PerEndpoint; b.free(o) != want {
		t.Errorf("%d slots free for other endpoints while one holds a full window behind hanging attempts; want %d", b.free(o), want)
	}
}

// A quick endpoint may have twice PerEndpoint attempts under way; a fast
// one, PerEndpoint.
func TestAQuickEndpointMayHaveTwiceAsManyAttemptsUnderWay(t *testing.T) {
	o, now := Options{}.withDefaults(), time.Now()
	for _, c := range []struct {
		s    speed
		want int
	}{{quick, quickSlots * o.PerEndpoint}, {fast, o.PerEndpoint}} {
		k := endpointKey{"acme", "e"}
		var h holding
		h.add([]claimed{{tenant: k.tenant, endpoint: k.id, lease: now.Add(o.lease())}}, busy{}, 1, o)
		h.start(o, now, time.Second)
		h.done(k, c.s, now, o)
		var batch []claimed
		for range 4 * o.PerEndpoint {
			batch = append(batch, claimed{tenant: "acme", endpoint: "e", lease: now.Add(o.lease())})
		}
		h.add(batch, h.snapshot(o, now), len(batch), o)
		if send, _ := h.start(o, now, time.Second); len(send) != c.want {
			t.Errorf("an endpoint whose last attempt was %v started %d attempts; want %d", c.s, len(send), c.want)
		}
	}
}

// A page may defer deliveries only when it has more than deferBeyond
// events, or more than a fast endpoint's room: the live path of a few
// events at a time skips the deferred rows' statements.
func TestOnlyAPageThatMayDeferGoesThroughDeferredRows(t *testing.T) {
	b := busy{tenants: []string{"acme", "globex"}, ids: []string{"a", "g"}, rooms: []int{10, 0}, fast: []bool{true, false}}
	if b.mayDefer(5) {
		t.Error("5 events within a fast endpoint's room of 10 may defer")
	}
	if !b.mayDefer(11) {
		t.Error("11 events beyond a fast endpoint's room of 10 may not defer")
	}
	b.rooms[0] = 1000
	if !b.mayDefer(deferBeyond + 1) {
		t.Errorf("%d events may not defer", deferBeyond+1)
	}
}
