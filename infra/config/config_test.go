package config_test

import (
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
