package pgtest

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy between a test's clients and its PostgreSQL that
// fails the way a network or a server does: Down breaks every connection
// and refuses new ones until Up, and LoseReplyTo lets the server carry a
// statement out and then breaks the connection before its reply arrives.
// It is safe for concurrent use.
type Proxy struct {
	target   string
	listener net.Listener

	mu     sync.Mutex
	down   bool
	lose   []byte // the marker of the statement whose reply to lose; nil: none
	conns  map[*proxied]struct{}
	closed bool
}

// proxied is one client connection and its server connection.
type proxied struct {
	client, server net.Conn
	losing         bool // the reply to the marked statement is being dropped (guarded by Proxy.mu)
}

// NewProxy starts a proxy in front of the server of databaseURL and returns
// it with the URL that reaches the same database through it. It stops with
// the test.
func NewProxy(t testing.TB, databaseURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: u.Host, listener: listener, conns: map[*proxied]struct{}{}}
	go p.accept()
	t.Cleanup(p.close)
	u.Host = listener.Addr().String()
	return p, u.String()
}

// Down breaks every connection through the proxy; until Up, new ones are
// closed as soon as they are made, as by a server that is gone.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		p.drop(c)
	}
}

// Up lets connections through again.
func (p *Proxy) Up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// LoseReplyTo arms the proxy: the next message a client sends that
// contains marker (a piece of SQL text) goes to the server, which carries
// it out; its reply is dropped up to the server's ReadyForQuery (so a
// statement outside a transaction has committed by then), and then that
// connection is broken. The client never learns the outcome.
func (p *Proxy) LoseReplyTo(marker string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lose = []byte(marker)
}

func (p *Proxy) accept() {
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return // closed
		}
		go p.serve(client)
	}
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	c := &proxied{client: client, server: server}
	p.mu.Lock()
	if p.down || p.closed {
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()
	go p.fromClient(c)
	p.fromServer(c)
}

// fromClient copies what the client sends, marking the connection whose
// message carries the armed marker.
func (p *Proxy) fromClient(c *proxied) {
	buf := make([]byte, 64<<10)
	for {
		n, err := c.client.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.lose != nil && bytes.Contains(buf[:n], p.lose) {
				p.lose, c.losing = nil, true
			}
			p.mu.Unlock()
			if _, werr := c.server.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			p.mu.Lock()
			p.drop(c)
			p.mu.Unlock()
			return
		}
	}
}

// fromServer copies the server's messages (a type byte and a length each,
// from the first: the proxy does not pass SSL negotiation through),
// dropping them while the connection is losing a reply, and breaking the
// connection at the ReadyForQuery that ends that reply.
func (p *Proxy) fromServer(c *proxied) {
	defer func() {
		p.mu.Lock()
		p.drop(c)
		p.mu.Unlock()
	}()
	header := make([]byte, 5)
	for {
		if _, err := io.ReadFull(c.server, header); err != nil {
			return
		}
		body := make([]byte, int(binary.BigEndian.Uint32(header[1:]))-4)
		if _, err := io.ReadFull(c.server, body); err != nil {
			return
		}
		p.mu.Lock()
		losing := c.losing
		p.mu.Unlock()
		if losing {
			if header[0] == 'Z' {
				return
			}
			continue
		}
		if _, err := c.client.Write(append(header, body...)); err != nil {
			return
		}
	}
}

// drop closes both ends of c; p.mu is held.
func (p *Proxy) drop(c *proxied) {
	if _, ok := p.conns[c]; !ok {
		return
	}
	delete(p.conns, c)
	_ = c.client.Close()
	_ = c.server.Close()
}

func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		p.drop(c)
	}
	p.mu.Unlock()
	_ = p.listener.Close()
}
