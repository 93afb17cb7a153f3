package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/readapi"
)

// slowClientLimits are serve's limits with timeouts short enough to watch.
var slowClientLimits = config.HTTP{Addr: "127.0.0.1:0", ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second,
	WriteTimeout: 5 * time.Second, IdleTimeout: time.Second, MaxConnections: 4096, ReservedConns: 64}

// slowClient is one way of holding a connection without finishing a request.
type slowClient func(c net.Conn) error

var slowClients = []slowClient{
	func(net.Conn) error { return nil }, // sends nothing
	func(c net.Conn) error { // headers, then a body one byte short
		_, err := io.WriteString(c, "POST /v1/tenants/acme/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"+fmt.Sprintf("%099d", 0))
		return err
	},
	func(c net.Conn) error { // one request, then idle on the kept-alive connection
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			err = resp.Body.Close()
		}
		return err
	},
}

// 2,000 slow connections (silent, a body one byte short, idle keep-alive)
// do not stop /healthz from answering, and each is closed by the server
// within its configured timeout.
func TestSlowClientsAreCutOffWhileHealthChecksAnswer(t *testing.T) {
	t.Parallel()
	listener, err := listenHTTP(slowClientLimits)
	if err != nil {
		t.Fatal(err)
	}
	router := chi.NewRouter()
	readapi.MountHealth(router, quiet)
	router.Post("/v1/tenants/{tenant}/sessions", func(w http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body) })
	server := httpServer(slowClientLimits, router, priorityRequests("op-token"))
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(func() { _ = server.Close() })
	addr := listener.Addr().String()

	stopProbing, probeFailures := probeHealth(t, addr)
	var wg sync.WaitGroup
	var held atomic.Int32
	for i := range 2000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := holdSlowly(addr, slowClients[i%len(slowClients)]); err != nil {
				t.Errorf("slow client %d: %v", i, err)
				return
			}
			held.Add(1)
		}()
	}
	wg.Wait()
	probes := stopProbing()
	if failures := probeFailures(); len(failures) > 0 || probes < 10 {
		t.Fatalf("%d of %d health checks failed while slow clients held connections: %v", len(failures), probes, failures)
	}
	t.Logf("%d slow connections cut off by the server in time; %d health checks answered meanwhile", held.Load(), probes)
}

// holdSlowly connects, behaves as slow does, and returns once the server
// has closed the connection — an error if it stays open past its timeout.
func holdSlowly(addr string, slow slowClient) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := slow(c); err != nil {
		return err
	}
	// The longest timeout that applies (ReadTimeout), and slack for a
	// loaded machine: the server must close well before.
	_ = c.SetReadDeadline(time.Now().Add(slowClientLimits.ReadTimeout + 3*time.Second))
	_, err = io.Copy(io.Discard, c) // returns at the server's close
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return errors.New("the server kept the connection open past its timeout")
	}
	return nil
}

// probeHealth checks /healthz on a new connection every 20 ms until stop,
// which returns how many checks ran; failures lists those that did not
// answer 200 within 2 s.
func probeHealth(t *testing.T, addr string) (stop func() int, failures func() []string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	done, finished := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var failed []string
	probes := 0
	go func() {
		defer close(finished)
		for {
			resp, err := client.Get("http://" + addr + "/healthz")
			mu.Lock()
			probes++
			if err != nil || resp.StatusCode != http.StatusOK {
				failed = append(failed, fmt.Sprintf("%v %v", resp, err))
			}
			mu.Unlock()
			if resp != nil {
				_ = resp.Body.Close()
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond): // the probing interval, not a synchronisation
			}
		}
	}()
	stop = func() int { close(done); <-finished; return probes }
	failures = func() []string { mu.Lock(); defer mu.Unlock(); return failed }
	return stop, failures
}
