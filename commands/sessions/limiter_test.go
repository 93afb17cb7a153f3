package sessions

import (
	"strconv"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestAKeyIsRefusedAfterItsBurstOfFailuresUntilOneRefills(t *testing.T) {
	l := newFailureLimiter(3, time.Minute)
	for i := range 3 {
		if wait := l.wait("k", t0); wait != 0 {
			t.Fatalf("attempt %d refused (%s) before the burst was used", i+1, wait)
		}
		l.failed("k", t0)
	}
	if wait := l.wait("k", t0); wait != time.Minute {
		t.Fatalf("after 3 failures: wait %s, want 1m", wait)
	}
	if wait := l.wait("k", t0.Add(40*time.Second)); wait != 20*time.Second {
		t.Fatalf("40 s later: wait %s, want 20s", wait)
	}
	if wait := l.wait("k", t0.Add(time.Minute)); wait != 0 {
		t.Fatalf("a minute later: wait %s, want none", wait)
	}
	if wait := l.wait("other", t0); wait != 0 {
		t.Fatalf("another key waits %s", wait)
	}
}

func TestRefilledBucketsAreDroppedWhenTheLimiterIsFull(t *testing.T) {
	l := newFailureLimiter(1, time.Second)
	for i := range maxBuckets {
		l.failed(accountKey("t", strconv.Itoa(i)), t0)
	}
	l.failed("late", t0.Add(time.Hour)) // every earlier bucket has refilled by then
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets kept, want only the new one", len(l.buckets))
	}
	if wait := l.wait("late", t0.Add(time.Hour)); wait != time.Second {
		t.Fatalf("the new key waits %s, want 1s", wait)
	}
}
