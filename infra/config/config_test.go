package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/config"
)

func TestDatabaseConfigAcceptsPostgresURLsOrTheEmbeddedDefault(t *testing.T) {
	t.Parallel()
	for _, ok := range []config.Database{
		{DataDir: ".roster"},
		{URL: "postgres://roster:secret@db:5432/roster?sslmode=disable"},
		{URL: "postgresql://localhost/roster"},
	} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	for _, bad := range []config.Database{
		{},
		{URL: "mysql://localhost/roster"},
		{URL: "host=localhost dbname=roster"},
		{URL: "postgres:///roster"},
	} {
		err := bad.Validate()
		if err == nil {
			t.Errorf("%+v was accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error repeats the URL's password: %v", err)
		}
	}
	if !(config.Database{}).Embedded() || (config.Database{URL: "postgres://x/y"}).Embedded() {
		t.Error("Embedded() is wrong")
	}
}

func TestHTTPConfigNeedsHostAndPortAndBoundsThatServe(t *testing.T) {
	t.Parallel()
	ok := func(addr string) config.HTTP {
		return config.HTTP{Addr: addr, ReadHeaderTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
			IdleTimeout: time.Second, MaxConnections: 10, ReservedConns: 1}
	}
	if err := ok("127.0.0.1:8080").Validate(); err != nil {
		t.Error(err)
	}
	if err := ok(":0").Validate(); err != nil {
		t.Error(err)
	}
	if err := ok("8080").Validate(); err == nil {
		t.Error("a bare port was accepted")
	}
	noTimeout, noRoom := ok(":0"), ok(":0")
	noTimeout.ReadTimeout, noRoom.ReservedConns = 0, 0
	if noTimeout.Validate() == nil || noRoom.Validate() == nil {
		t.Error("a zero timeout or no reserved connection was accepted")
	}
}

func TestLogConfigRefusesUnknownLevelsAndFormats(t *testing.T) {
	t.Parallel()
	if err := (config.Log{Level: "debug", Format: "json"}).Validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []config.Log{{Level: "loud", Format: "text"}, {Level: "info", Format: "xml"}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
}

func TestEventStoreConfigNeedsAKurrentDBURLOnlyForKurrentDB(t *testing.T) {
	t.Parallel()
	for _, ok := range []config.EventStore{
		{Kind: "postgres"},
		{Kind: "kurrentdb", KurrentDBURL: "esdb://127.0.0.1:2113?tls=false"},
		{Kind: "kurrentdb", KurrentDBURL: "kurrentdb://kurrentdb:2113?tls=false"},
	} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v refused: %v", ok, err)
		}
	}
	for _, bad := range []config.EventStore{
		{Kind: "kurrentdb"},
		{Kind: "kurrentdb", KurrentDBURL: "postgres://localhost/roster"},
		{Kind: "eventstoredb", KurrentDBURL: "esdb://127.0.0.1:2113"},
	} {
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "ROSTER_") {
			t.Errorf("%+v accepted or unexplained: %v", bad, err)
		}
	}
}

func TestSessionsConfigNeedsASlowdownThatEnds(t *testing.T) {
	t.Parallel()
	ok := config.Sessions{TTL: time.Hour, AccountBurst: 5, AccountEvery: time.Minute, AddressBurst: 30, AddressEvery: 2 * time.Second,
		SlowAfter: 10, SlowMax: time.Minute}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	noSlowAfter, noSlowMax := ok, ok
	noSlowAfter.SlowAfter, noSlowMax.SlowMax = 0, 0
	if noSlowAfter.Validate() == nil || noSlowMax.Validate() == nil {
		t.Error("a slowdown after no failure, or with no delay, was accepted")
	}
}

func TestPasswordsConfigNeedsAHashAtOnce(t *testing.T) {
	t.Parallel()
	if err := (config.Passwords{HashesAtOnce: 8, HashWait: time.Second}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (config.Passwords{HashesAtOnce: 8}).Validate(); err != nil {
		t.Fatalf("no wait (refuse at once when full) was refused: %v", err)
	}
	for _, bad := range []config.Passwords{{HashesAtOnce: 0, HashWait: time.Second}, {HashesAtOnce: 1, HashWait: -time.Second}} {
		if bad.Validate() == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
}

func TestTrustedProxiesAreAddressesOrRanges(t *testing.T) {
	t.Parallel()
	ok := config.Proxies{TrustedProxies: []string{"10.0.0.0/8", " 192.0.2.1", "2001:db8::/32", "::ffff:192.0.2.9"}, ForwardedHeader: "Forwarded"}
	prefixes, err := ok.Prefixes()
	if err != nil || ok.Validate() != nil {
		t.Fatal(err)
	}
	want := "[10.0.0.0/8 192.0.2.1/32 2001:db8::/32 192.0.2.9/32]"
	if got := strings.ReplaceAll(fmt.Sprint(prefixes), ",", ""); got != want {
		t.Fatalf("prefixes %s, want %s", got, want)
	}
	if err := (config.Proxies{ForwardedHeader: "X-Forwarded-For"}).Validate(); err != nil {
		t.Fatalf("no trusted proxy was refused: %v", err)
	}
	for _, bad := range []config.Proxies{
		{TrustedProxies: []string{"proxy.internal"}, ForwardedHeader: "X-Forwarded-For"},
		{TrustedProxies: []string{"10.0.0.0/33"}, ForwardedHeader: "X-Forwarded-For"},
		{TrustedProxies: []string{"fe80::1%eth0"}, ForwardedHeader: "X-Forwarded-For"},
		{TrustedProxies: []string{"10.0.0.1"}, ForwardedHeader: "X-Real-IP"},
	} {
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "ROSTER_") {
			t.Errorf("%+v accepted or unexplained: %v", bad, err)
		}
	}
}

// NATS is off without a URL; with one, its URL, stream name and duplicate
// window must be usable, and an error never repeats the URL's password.
func TestNATSConfigIsOffByDefaultAndChecksWhatItIsGiven(t *testing.T) {
	t.Parallel()
	ok := config.NATS{URL: "nats://roster:secret@nats:4222", Stream: "ROSTER_EVENTS", DuplicateWindow: time.Hour}
	if (config.NATS{}).Enabled() || (config.NATS{}).Validate() != nil || !ok.Enabled() || ok.Validate() != nil {
		t.Fatalf("Enabled or Validate is wrong: an empty URL is off and valid, %+v on and valid", ok)
	}
	several := ok
	several.URL = "nats://a:4222, tls://b:4222"
	if err := several.Validate(); err != nil {
		t.Errorf("several URLs: %v", err)
	}
	for name, change := range map[string]func(*config.NATS){
		"another scheme":        func(n *config.NATS) { n.URL = "http://roster:secret@nats:4222" },
		"no host":               func(n *config.NATS) { n.URL = "nats://roster:secret@" },
		"a bad second URL":      func(n *config.NATS) { n.URL = "nats://roster:secret@a:4222,b:4222" },
		"a dot in the stream":   func(n *config.NATS) { n.Stream = "ROSTER.EVENTS" },
		"a space in the stream": func(n *config.NATS) { n.Stream = "ROSTER EVENTS" },
		"no stream":             func(n *config.NATS) { n.Stream = "" },
		"a short window":        func(n *config.NATS) { n.DuplicateWindow = time.Second },
	} {
		bad := ok
		change(&bad)
		err := bad.Validate()
		if err == nil {
			t.Errorf("%s was accepted", name)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error repeats the URL's password: %v", name, err)
		}
	}
}

func TestWebhooksConfigNeedsATimeoutADisablingDelayAndDeliveriesAtOnce(t *testing.T) {
	t.Parallel()
	if err := (config.Webhooks{Timeout: 15 * time.Second, DisableAfter: 120 * time.Hour, KeepLog: 720 * time.Hour, Concurrency: 32, PerEndpoint: 8}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []config.Webhooks{{Timeout: 0, DisableAfter: time.Hour, KeepLog: time.Hour, Concurrency: 1, PerEndpoint: 1},
		{Timeout: time.Hour, DisableAfter: time.Hour, KeepLog: time.Hour, Concurrency: 1, PerEndpoint: 1},
		{Timeout: time.Second, DisableAfter: time.Minute, KeepLog: time.Hour, Concurrency: 1, PerEndpoint: 1},
		{Timeout: time.Second, DisableAfter: time.Hour, KeepLog: time.Hour, Concurrency: 0, PerEndpoint: 0},
		{Timeout: time.Second, DisableAfter: time.Hour, KeepLog: time.Hour, Concurrency: 4, PerEndpoint: 5},
		{Timeout: time.Second, DisableAfter: time.Hour, KeepLog: time.Minute, Concurrency: 1, PerEndpoint: 1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
}
