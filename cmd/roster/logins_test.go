package main

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/infra/wiring"
)

// loginsAtOnce sends n logins of email with password to tenant at the same
// time (from the test's one address, plus headers) and counts the answers
// by status; every 429 must say when to retry.
func loginsAtOnce(t *testing.T, base, tenant, email, password string, n int, headers ...string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			r, err := send(http.DefaultClient, base, "POST", "/v1/tenants/"+tenant+"/sessions", "", obj{"email": email, "password": password}, headers...)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[0]++
				return
			}
			if r.Status == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
				statuses[-r.Status]++ // a 429 without Retry-After counts apart
				return
			}
			statuses[r.Status]++
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// Issue 14: 150 simultaneous wrong-password logins for one account on a
// fresh process got 150 × 401, the limiter being checked after the hash.
// Attempts are now reserved before it: at most the account's allowance (5
// from one address) is checked and answered 401; the rest are 429.
func TestConcurrentWrongPasswordLoginsForOneAccountGetOnlyTheAllowanceChecked(t *testing.T) {
	t.Parallel()
	settings := testAccess
	settings.HashesAtOnce, settings.HashWait = 2, time.Minute
	svc, server := serviceWith(t, settings)
	httpTenant(t, server.URL, "acme", "strict", 3, nil)
	before := svc.Hashing.Stats()
	got := loginsAtOnce(t, server.URL, "acme", "boss@acme.example", "a wrong guess", 150)
	allowance := testAccess.Limits.AccountBurst
	if got[http.StatusUnauthorized] > allowance || got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != 150 {
		t.Fatalf("150 concurrent wrong passwords answered %v (status: count): want at most %d × 401 and the rest 429 with Retry-After",
			got, allowance)
	}
	if after := svc.Hashing.Stats(); after.Peak > 2 || after.Computed-before.Computed > int64(allowance) {
		t.Fatalf("budget of 2: %+v (before: %+v); want at most 2 hashes at once and at most %d computed", after, before, allowance)
	}
}

// behindProxy is testAccess with the test's own address (the peer of
// every request) trusted as a proxy that sets X-Forwarded-For, so that a
// test can speak from any client address.
func behindProxy(t *testing.T, settings wiring.Access) wiring.Access {
	t.Helper()
	clients, err := access.NewClientAddresses([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")},
		"X-Forwarded-For")
	if err != nil {
		t.Fatal(err)
	}
	settings.Clients = clients
	return settings
}

// from are the headers of a request that the trusted proxy forwards from
// client address.
func from(address string) []string { return []string{"X-Forwarded-For", address} }

func login(t *testing.T, base, tenant, email, password string, headers ...string) reply {
	t.Helper()
	return call(t, base, "POST", "/v1/tenants/"+tenant+"/sessions", "", obj{"email": email, "password": password}, headers...)
}

// The budget bounds hashing however the logins come: 150 right passwords
// at once (within every limit) compute at most its size at once, as the
// budget counts the computations inside a slot.
func TestConcurrentLoginsComputeAtMostTheBudgetsSizeOfHashesAtOnce(t *testing.T) {
	t.Parallel()
	settings := testAccess
	settings.HashesAtOnce, settings.HashWait = 2, time.Minute
	svc, server := serviceWith(t, behindProxy(t, settings))
	httpTenant(t, server.URL, "acme", "strict", 20, nil)
	for i := range 15 {
		httpUser(t, server.URL, "acme", fmt.Sprintf("u%d", i), "member", "member")
	}
	before := svc.Hashing.Stats()
	got := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 150 { // 15 users, each from 10 addresses: no limit applies
		wg.Go(func() {
			r, err := send(http.DefaultClient, server.URL, "POST", "/v1/tenants/acme/sessions", "",
				obj{"email": fmt.Sprintf("u%d@acme.example", i%15), "password": passwordOf(fmt.Sprintf("u%d", i%15))}, from(fmt.Sprintf("198.51.100.%d", i))...)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			got[r.Status]++
		})
	}
	wg.Wait()
	after := svc.Hashing.Stats()
	if got[http.StatusCreated] != 150 {
		t.Fatalf("150 concurrent right passwords answered %v, want 150 × 201", got)
	}
	if after.Peak > 2 || after.Computed-before.Computed != 150 {
		t.Fatalf("budget of 2: %+v (before: %+v); want at most 2 at once and 150 computed", after, before)
	}
}

// Issue 14: five wrong passwords from anywhere locked the real user out.
// A guesser exhausts the account's allowance for its own address only.
func TestAGuessersFailuresDoNotKeepTheUserOutFromAnotherAddress(t *testing.T) {
	t.Parallel()
	_, server := serviceWith(t, behindProxy(t, testAccess))
	base := server.URL
	httpTenant(t, base, "acme", "strict", 3, nil)
	for range testAccess.Limits.AccountBurst {
		expect(t, "a guess", login(t, base, "acme", "boss@acme.example", "a guess", from("198.51.100.66")...), 401, "invalid_credentials")
	}
	expect(t, "the guesser, beyond its allowance", login(t, base, "acme", "boss@acme.example", passwordOf("boss"), from("198.51.100.66")...),
		http.StatusTooManyRequests, "rate_limited")
	expect(t, "the user, from elsewhere", login(t, base, "acme", "boss@acme.example", passwordOf("boss"), from("192.0.2.1")...), 201, "")
}

// Issue 14: one wrong try a minute kept the real user out. Guesses from
// many addresses slow the account down — never beyond SlowMax after the
// last of them — and never hold up a client that logged in to it before.
func TestADistributedGuesserSlowsAnAccountDownButNeverLocksItsUserOut(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now()}
	settings := behindProxy(t, testAccess)
	settings.Clock = clock.Now
	_, server := serviceWith(t, settings)
	base := server.URL
	httpTenant(t, base, "acme", "strict", 3, nil) // the owner logs in from the test's address: known from now on
	limits := testAccess.Limits
	for i := range limits.SlowAfter + 3 {
		if failed := i; failed > limits.SlowAfter { // wait as long as the account then asks: 1 s, 2 s
			clock.Advance(time.Duration(1<<(failed-limits.SlowAfter-1)) * time.Second)
		}
		expect(t, "a guess", login(t, base, "acme", "boss@acme.example", "a guess", from(fmt.Sprintf("198.51.100.%d", i))...), 401, "")
	}
	refused := expect(t, "a new guess, the account slowed down", login(t, base, "acme", "boss@acme.example", "a guess", from("198.51.100.200")...),
		http.StatusTooManyRequests, "rate_limited")
	if wait, _ := strconv.Atoi(refused.Header.Get("Retry-After")); wait < 1 || time.Duration(wait)*time.Second > limits.SlowMax {
		t.Fatalf("Retry-After %q: want 1 s up to %s", refused.Header.Get("Retry-After"), limits.SlowMax)
	}
	expect(t, "the owner from where it logged in before", login(t, base, "acme", "boss@acme.example", passwordOf("boss")), 201, "")
	fresh := expect(t, "the owner from a new address", login(t, base, "acme", "boss@acme.example", passwordOf("boss"), from("192.0.2.99")...),
		http.StatusTooManyRequests, "rate_limited")
	wait, _ := strconv.Atoi(fresh.Header.Get("Retry-After"))
	clock.Advance(time.Duration(wait) * time.Second)
	expect(t, "the owner from the new address, after Retry-After", login(t, base, "acme", "boss@acme.example", passwordOf("boss"), from("192.0.2.99")...), 201, "")
}

// Forwarding headers tell the client's address only from a trusted proxy:
// anyone else writing X-Forwarded-For stays limited by its own address.
func TestFailedLoginsAreLimitedPerClientAddressAsTrustedProxiesTellIt(t *testing.T) {
	t.Parallel()
	settings := testAccess
	settings.Limits.AddressBurst, settings.Limits.AddressEvery = 3, time.Hour
	_, direct := serviceWith(t, settings)
	_, proxied := serviceWith(t, behindProxy(t, settings))
	for _, base := range []string{direct.URL, proxied.URL} {
		httpTenant(t, base, "acme", "strict", 10, nil)
		httpUser(t, base, "acme", "ann", "member", "member")
	}
	for i := range 3 {
		expect(t, "a guess with a forged header", login(t, direct.URL, "acme", fmt.Sprintf("x%d@acme.example", i), "guess",
			from(fmt.Sprintf("203.0.113.%d", i))...), 401, "invalid_credentials")
	}
	expect(t, "a new account, the header forged anew", login(t, direct.URL, "acme", "ann@acme.example", passwordOf("ann"), from("203.0.113.50")...),
		http.StatusTooManyRequests, "rate_limited")

	for i := range 3 {
		expect(t, "a guess behind the proxy", login(t, proxied.URL, "acme", fmt.Sprintf("x%d@acme.example", i), "guess", from("198.51.100.66")...),
			401, "invalid_credentials")
	}
	expect(t, "the guessing client, on a new account", login(t, proxied.URL, "acme", "ann@acme.example", passwordOf("ann"), from("198.51.100.66")...),
		http.StatusTooManyRequests, "rate_limited")
	expect(t, "the guesser's forged entry, left of the proxy's", login(t, proxied.URL, "acme", "ann@acme.example", passwordOf("ann"),
		from("192.0.2.7, 198.51.100.66")...), http.StatusTooManyRequests, "rate_limited")
	expect(t, "another client behind the same proxy", login(t, proxied.URL, "acme", "ann@acme.example", passwordOf("ann"), from("192.0.2.1")...), 201, "")
}

// When every hashing slot is taken, logins wait briefly, then get 503
// unavailable with Retry-After — for an unknown e-mail as for a known one
// — and the attempt is not counted as a failure; every other path that
// hashes a password is refused the same way.
func TestAFullHashingBudgetAnswersUnavailableWithRetryAfterOnEveryPathThatHashes(t *testing.T) {
	t.Parallel()
	settings := testAccess
	settings.HashesAtOnce, settings.HashWait = 1, 20*time.Millisecond
	svc, server := serviceWith(t, settings)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 3, nil)
	release, err := svc.Hashing.Take(bg)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]reply{
		"login":         login(t, base, "acme", "boss@acme.example", passwordOf("boss")),
		"unknown email": login(t, base, "acme", "nobody@acme.example", passwordOf("boss")),
		"tenant":        call(t, base, "POST", "/v1/tenants", "op-token", obj{"id": "globex", "name": "Globex", "preset": "strict", "seats": 3, "owner": obj{"email": "o@globex.example", "name": "O", "password": passwordOf("o")}}),
		"invitation":    call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"email": "ann@acme.example", "name": "Ann", "role": "member", "password": passwordOf("ann")}),
		"password":      call(t, base, "PUT", "/v1/tenants/acme/users/boss/password", "op-token", obj{"password": passwordOf("new boss")}),
	} {
		expect(t, name+" with the budget full", r, http.StatusServiceUnavailable, "unavailable")
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", name)
		}
	}
	for range 2 * testAccess.Limits.AccountBurst { // refused attempts are not failures
		expect(t, "a guess with the budget full", login(t, base, "acme", "boss@acme.example", "a guess"), http.StatusServiceUnavailable, "unavailable")
	}
	release()
	expect(t, "a guess with the budget free", login(t, base, "acme", "boss@acme.example", "a guess"), 401, "invalid_credentials")
	expect(t, "the login with the budget free", login(t, base, "acme", "boss@acme.example", passwordOf("boss")), 201, "")
}

// A login for an e-mail nobody has costs what one for a known account
// costs: one hash, within the budget.
func TestALoginForAnUnknownEmailCostsOneHashLikeAnyOther(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	httpTenant(t, server.URL, "acme", "strict", 3, nil)
	for email, want := range map[string]int{"nobody@acme.example": 401, "boss@acme.example": 401} {
		before := svc.Hashing.Stats().Computed
		expect(t, email, login(t, server.URL, "acme", email, "a guess"), want, "invalid_credentials")
		if n := svc.Hashing.Stats().Computed - before; n != 1 {
			t.Errorf("a failed login for %s computed %d hashes, want 1", email, n)
		}
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
