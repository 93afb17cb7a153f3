package connlimit_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/connlimit"
)

// serve runs a server over a connlimit listener of max and reserve, whose
// priority requests are those to /healthz.
func serve(t *testing.T, max, reserve int, grace time.Duration) (*connlimit.Listener, string) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := connlimit.Listen(raw, max, reserve, grace)
	priority := func(r *http.Request) bool { return r.URL.Path == "/healthz" }
	refuse := func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }
	server := &http.Server{ConnContext: connlimit.ConnContext, ReadHeaderTimeout: time.Minute,
		Handler: connlimit.Admit(priority, 1, refuse)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))}
	go func() { _ = server.Serve(l) }()
	t.Cleanup(func() { _ = server.Close() })
	return l, raw.Addr().String()
}

// silent opens n connections that send nothing.
func silent(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		conns[i] = c
	}
	return conns
}

// request sends one request on a new connection and returns its status
// and Retry-After, or the error.
func request(addr, path string) (int, string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

// closedSoon reports whether the server closes c within limit.
func closedSoon(c net.Conn, limit time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(limit))
	_, err := c.Read(make([]byte, 1))
	var netErr net.Error
	return err != nil && !(errors.As(err, &netErr) && netErr.Timeout())
}

// awaitOpen waits (at most 5 s) until l holds n connections.
func awaitOpen(t *testing.T, l *connlimit.Listener, n int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); l.Open() != n; time.Sleep(time.Millisecond) { // the server's closes are the condition
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open, want %d", l.Open(), n)
		}
	}
}

// At the bound, connections beyond max serve only priority requests (a
// health check answers, another request is told to come back), and those
// beyond max+reserve are closed at once.
func TestBeyondTheBoundOnlyPriorityRequestsAreServed(t *testing.T) {
	t.Parallel()
	l, addr := serve(t, 5, 2, time.Minute)
	silent(t, addr, 5) // everyone's room, taken
	if status, _, err := request(addr, "/healthz"); err != nil || status != http.StatusOK {
		t.Fatalf("a health check at the bound: %d, %v", status, err)
	}
	if status, retry, err := request(addr, "/v1/tenants"); err != nil || status != http.StatusServiceUnavailable || retry != "1" {
		t.Fatalf("another request at the bound: %d (Retry-After %q), %v; want 503 with Retry-After", status, retry, err)
	}
	awaitOpen(t, l, 5)          // the requests' connections closed
	extra := silent(t, addr, 3) // two take the reserve, the third is closed at once
	if !closedSoon(extra[2], 5*time.Second) || closedSoon(extra[0], 100*time.Millisecond) {
		t.Fatal("want the connection beyond max+reserve closed at once, and those in the reserve kept")
	}
	if l.Open() != 7 || l.Shed() != 1 {
		t.Fatalf("open %d, shed %d: want 7 and 1", l.Open(), l.Shed())
	}
}

// A connection in the reserve that carries no priority request within the
// grace is closed, so slow clients cannot sit on the room kept for health
// checks; a health check then gets in.
func TestSlowClientsCannotSitOnTheReserve(t *testing.T) {
	t.Parallel()
	l, addr := serve(t, 3, 2, 200*time.Millisecond)
	silent(t, addr, 3)
	squatters := silent(t, addr, 2)
	for _, c := range squatters {
		if !closedSoon(c, 5*time.Second) {
			t.Fatal("a connection sat in the reserve past its grace")
		}
	}
	if status, _, err := request(addr, "/healthz"); err != nil || status != http.StatusOK {
		t.Fatalf("a health check once the squatters are gone: %d, %v", status, err)
	}
	awaitOpen(t, l, 3)
}

// A health check's connection, once it carried one, is not closed at the
// grace: it may go on being used (keep-alive).
func TestAPriorityConnectionOutlivesTheGrace(t *testing.T) {
	t.Parallel()
	_, addr := serve(t, 1, 1, 100*time.Millisecond)
	silent(t, addr, 1)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for i := range 3 {
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d on the kept connection: %v", i, err)
		}
		_ = resp.Body.Close()
		time.Sleep(150 * time.Millisecond) // longer than the grace: the connection must outlive it
	}
}
