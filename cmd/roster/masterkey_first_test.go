package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// connectionCounter is a TCP listener standing where a PostgreSQL server
// would be, noting who connects to it.
type connectionCounter struct {
	listener net.Listener
	accepted chan string // the peer of each connection, in the order accepted
}

// newConnectionCounter listens on a loopback port until the test ends.
func newConnectionCounter(t *testing.T) *connectionCounter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &connectionCounter{listener: l, accepted: make(chan string, 1024)}
	go c.accept()
	t.Cleanup(func() { l.Close() })
	return c
}

func (c *connectionCounter) accept() {
	for {
		conn, err := c.listener.Accept()
		if err != nil {
			return
		}
		c.accepted <- conn.RemoteAddr().String()
		conn.Close()
	}
}

// connectionsBefore connects once itself and returns how many connections
// the listener accepted before that one: connections are accepted in the
// order they came, so once it sees its own, it has seen every earlier one.
func (c *connectionCounter) connectionsBefore(t *testing.T) int {
	t.Helper()
	probe, err := net.Dial("tcp", c.listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	own, deadline := probe.LocalAddr().String(), time.After(10*time.Second)
	for n := 0; ; n++ {
		select {
		case peer := <-c.accepted:
			if peer == own {
				return n
			}
		case <-deadline:
			t.Fatal("the listener did not accept the probe within 10 s")
		}
	}
}

// A finding of issue 14: with a database URL and no ROSTER_MASTER_KEY,
// every command that needs the key says so — naming ROSTER_MASTER_KEY —
// before it touches the database: not one connection is attempted (and so
// no migration runs) on the server the URL names.
func TestAMissingMasterKeyIsReportedBeforeTheDatabaseIsTouched(t *testing.T) {
	t.Parallel()
	server := newConnectionCounter(t)
	url := "postgres://roster@" + server.listener.Addr().String() + "/roster?sslmode=disable&connect_timeout=2"
	for _, args := range [][]string{
		{"serve", "--http-addr", "127.0.0.1:0"},
		{"tenants", "create", "--id", "acme", "--name", "Acme", "--owner-email", "o@acme.example", "--owner-name", "O"},
		{"audit", "replay", "--tenant", "acme", "--as-of", "2025-03-01T09:00:00Z"},
		{"audit", "verify"},
		{"projections", "rebuild", "users"},
		{"projections", "retry", "users", "--tenant", "acme"},
	} {
		cmd := roster(t, append(args, "--database-url", url)...)
		cmd.Env = append(cmd.Env, ownerPasswordEnv+"=a long owner password")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "ROSTER_MASTER_KEY") {
			t.Errorf("roster %s without ROSTER_MASTER_KEY: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if n := server.connectionsBefore(t); n != 0 {
		t.Errorf("%d connections were made to the database before the missing master key was reported", n)
	}
}
