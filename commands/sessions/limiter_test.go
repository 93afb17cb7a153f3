package sessions

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testLimits are small limits, each easy to tell apart from the others.
var testLimits = Limits{AccountBurst: 3, AccountEvery: time.Minute, AddressBurst: 10, AddressEvery: time.Second,
	SlowAfter: 4, SlowMax: 30 * time.Second}

// fail makes a failed attempt on account from address at at, failing the
// test if the limiter refuses it.
func fail(t *testing.T, l *limiter, account, address string, at time.Time) {
	t.Helper()
	if _, wait := l.admit(account, address, at); wait > 0 {
		t.Fatalf("a failure of %s from %s at %s was refused (wait %s)", account, address, at.Sub(t0), wait)
	}
}

func TestOneAddressGetsItsBurstOfFailuresOnAnAccountThenOneAPerInterval(t *testing.T) {
	l := newLimiter(testLimits)
	for range 3 {
		fail(t, l, "acct", "192.0.2.1", t0)
	}
	if _, wait := l.admit("acct", "192.0.2.1", t0); wait != time.Minute {
		t.Fatalf("after 3 failures: wait %s, want 1m", wait)
	}
	if _, wait := l.admit("acct", "192.0.2.1", t0.Add(40*time.Second)); wait != 20*time.Second {
		t.Fatalf("40 s later: wait %s, want 20s", wait)
	}
	fail(t, l, "acct", "192.0.2.1", t0.Add(time.Minute))
	fail(t, l, "other", "192.0.2.1", t0.Add(time.Minute)) // another account from the same address
}

// Issue 14: five wrong passwords from anywhere locked the real user out.
func TestAnotherAddressesFailuresOnAnAccountDoNotRefuseTheOwnersAddress(t *testing.T) {
	l := newLimiter(testLimits)
	for i := range 3 {
		fail(t, l, "acct", "198.51.100.66", t0.Add(time.Duration(i)*time.Second))
	}
	if _, wait := l.admit("acct", "198.51.100.66", t0.Add(3*time.Second)); wait == 0 {
		t.Fatal("the guesser's fourth failure was admitted")
	}
	if _, wait := l.admit("acct", "192.0.2.1", t0.Add(3*time.Second)); wait != 0 {
		t.Fatalf("the owner, from another address, waits %s for the guesser's failures", wait)
	}
}

func TestAnAddressIsLimitedOverAllAccounts(t *testing.T) {
	l := newLimiter(testLimits)
	for i := range 10 {
		fail(t, l, "acct-"+strconv.Itoa(i), "192.0.2.1", t0)
	}
	if _, wait := l.admit("acct-new", "192.0.2.1", t0); wait != time.Second {
		t.Fatalf("an 11th account from the address: wait %s, want 1s", wait)
	}
	fail(t, l, "acct-new", "192.0.2.2", t0) // another address
}

// Issue 14: one wrong try a minute kept the real user out. From many
// addresses, an account's failures slow it down, never lock it: the delay
// doubles from 1 s to SlowMax, and no wait is ever longer than SlowMax.
func TestFailuresFromManyAddressesSlowAnAccountDownWithAGrowingBoundedDelay(t *testing.T) {
	l := newLimiter(testLimits)
	at := t0
	for i := range testLimits.SlowAfter {
		fail(t, l, "acct", fmt.Sprintf("203.0.113.%d", i), at)
	}
	var delays []time.Duration
	for i := range 8 { // a distributed guesser, each attempt from a fresh address, as soon as admitted
		fail(t, l, "acct", fmt.Sprintf("198.51.100.%d", i), at)
		_, wait := l.admit("acct", "192.0.2.200", at) // the owner, from an address it never logged in from
		delays = append(delays, wait)
		at = at.Add(wait)
	}
	// Doubling, less what was forgotten meanwhile (one failure per SlowMax).
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		16 * time.Second, 30 * time.Second, 30 * time.Second}
	if fmt.Sprint(delays) != fmt.Sprint(want) {
		t.Fatalf("delays after each failure %v, want %v", delays, want)
	}
	if _, wait := l.admit("acct", "192.0.2.200", at); wait != 0 {
		t.Fatalf("the owner waited the delay and is still refused (%s)", wait)
	}
}

// Someone else's failures, at any pace from any number of addresses, keep
// the owner out at most SlowMax after the last of them, and a client that
// logged in to the account before not at all.
func TestSomeoneElsesFailuresKeepTheOwnerOutAtMostTheLongestDelay(t *testing.T) {
	l := newLimiter(testLimits)
	usual, _ := l.admit("acct", "192.0.2.1", t0)
	usual.succeeded() // the owner's usual address
	at, lastFailure, slowed := t0, t0, 0
	for i := range 500 { // a guesser trying every 700 ms from a new address each time
		at = at.Add(700 * time.Millisecond)
		if a, _ := l.admit("acct", fmt.Sprintf("198.51.%d.%d", i/200, i%200), at); a != nil {
			lastFailure = at
		}
		owner, wait := l.admit("acct", "192.0.2.1", at)
		if wait != 0 {
			t.Fatalf("the owner's usual address is refused (%s) after %d failures of others", wait, i+1)
		}
		owner.succeeded()
		newDevice, wait := l.admit("acct", "192.0.2.99", at) // the owner, from an address it never logged in from
		if wait > testLimits.SlowMax || at.Add(wait).After(lastFailure.Add(testLimits.SlowMax)) {
			t.Fatalf("a new address waits %s at %s, beyond %s after the last failure", wait, at.Sub(t0), testLimits.SlowMax)
		}
		if newDevice != nil {
			newDevice.refund() // it only asked
		} else {
			slowed++
		}
	}
	if slowed == 0 {
		t.Fatal("the guesser never slowed the account down: the test proves nothing")
	}
}

// A right password gives back what its attempt reserved: the owner is never
// refused for logging in often.
func TestARightPasswordRefundsItsAttempt(t *testing.T) {
	l := newLimiter(testLimits)
	for i := range 50 {
		a, wait := l.admit("acct", "192.0.2.1", t0)
		if wait != 0 {
			t.Fatalf("login %d refused (%s) though every earlier one was right", i+1, wait)
		}
		a.succeeded()
	}
	a, _ := l.admit("acct-2", "192.0.2.1", t0)
	a.refund() // a password that could not be checked (the hashing budget was full)
	for range 3 {
		fail(t, l, "acct-2", "192.0.2.1", t0)
	}
}

// Issue 14: concurrent attempts all passed a check made after the hash.
func TestConcurrentAttemptsCannotPassTheLimitsTogether(t *testing.T) {
	l := newLimiter(testLimits)
	var admitted sync.WaitGroup
	var mu sync.Mutex
	count := 0
	for range 150 {
		admitted.Go(func() {
			if a, _ := l.admit("acct", "192.0.2.1", t0); a != nil {
				mu.Lock()
				count++
				mu.Unlock()
			}
		})
	}
	admitted.Wait()
	if count != testLimits.AccountBurst {
		t.Fatalf("%d of 150 concurrent attempts admitted, want the burst, %d", count, testLimits.AccountBurst)
	}
}

// Concurrent attempts read the clock before they queue for the limiter, so
// one that read it later may be admitted first: below the slowdown's
// threshold, that must not refuse the other.
func TestAttemptsAdmittedOutOfClockOrderAreNotRefusedBelowTheSlowdown(t *testing.T) {
	l := newLimiter(testLimits)
	fail(t, l, "acct", "192.0.2.1", t0.Add(time.Millisecond))
	fail(t, l, "acct", "192.0.2.2", t0)
}

func TestAnIPv6ClientIsLimitedByItsSlash64(t *testing.T) {
	for _, same := range [][2]string{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"192.0.2.1", "::ffff:192.0.2.1"},
		{"fe80::1%eth0", "fe80::2"},
	} {
		if addressKey(same[0]) != addressKey(same[1]) {
			t.Errorf("%s and %s are limited apart (%s, %s)", same[0], same[1], addressKey(same[0]), addressKey(same[1]))
		}
	}
	if addressKey("2001:db8:1:2::1") == addressKey("2001:db8:1:3::1") || addressKey("192.0.2.1") == addressKey("192.0.2.2") {
		t.Error("two subscribers' addresses share a limit")
	}
}

// A spray of addresses cannot grow the limiter's memory beyond maxKeys a
// table, nor make it forget a key that is busy.
func TestASprayOfAddressesKeepsTheLimiterBoundedAndBusyKeysRemembered(t *testing.T) {
	l := newLimiter(testLimits)
	for range 3 {
		fail(t, l, "acct", "198.51.100.66", t0)
	}
	for i := range maxKeys + 1000 {
		fail(t, l, "acct-"+strconv.Itoa(i), "10."+strconv.Itoa(i>>16)+"."+strconv.Itoa(i>>8&255)+"."+strconv.Itoa(i&255), t0)
		if i%10_000 == 0 { // the guesser goes on trying, refused
			if _, wait := l.admit("acct", "198.51.100.66", t0); wait == 0 {
				t.Fatalf("after %d other keys the guesser got a fresh burst", i)
			}
		}
	}
	for name, n := range map[string]int{"pairs": l.pairs.table.lru.Len(), "addresses": l.addresses.table.lru.Len(),
		"accounts": l.accounts.table.lru.Len()} {
		if n > maxKeys {
			t.Errorf("%s holds %d keys, more than %d", name, n, maxKeys)
		}
	}
}
