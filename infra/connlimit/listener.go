package connlimit

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Listener wraps a net.Listener with the bound; see the package comment.
type Listener struct {
	net.Listener
	max, reserve int64
	grace        time.Duration
	open         atomic.Int64
	shed         atomic.Int64
}

// Listen bounds l to max connections for everyone and reserve more for
// priority requests (max ≥ 1, reserve ≥ 0). A reserved connection that has
// not carried a priority request within grace is closed: slow clients
// cannot sit on the reserve.
func Listen(l net.Listener, max, reserve int, grace time.Duration) *Listener {
	return &Listener{Listener: l, max: int64(max), reserve: int64(reserve), grace: grace}
}

// Accept returns the next admitted connection; one beyond max+reserve is
// closed at once (its client sees the connection end) and the next is
// waited for.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		n := l.open.Add(1)
		if n > l.max+l.reserve {
			l.open.Add(-1)
			l.shed.Add(1)
			_ = c.Close()
			continue
		}
		admitted := &conn{Conn: c, release: func() { l.open.Add(-1) }, reserved: n > l.max}
		if admitted.reserved {
			time.AfterFunc(l.grace, admitted.expire)
		}
		return admitted, nil
	}
}

// Open is the number of connections admitted and not yet closed.
func (l *Listener) Open() int64 { return l.open.Load() }

// Shed is the number of connections closed at once for want of room.
func (l *Listener) Shed() int64 { return l.shed.Load() }

// conn is an admitted connection; it gives its place back once, on Close.
type conn struct {
	net.Conn
	release  func()
	once     sync.Once
	reserved bool        // admitted beyond max: priority requests only
	priority atomic.Bool // it carried a priority request
}

func (c *conn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// expire closes a reserved connection that carried no priority request
// within the grace (closing twice is harmless).
func (c *conn) expire() {
	if !c.priority.Load() {
		_ = c.Close()
	}
}

type connKey struct{}

// ConnContext is the http.Server's ConnContext: it gives Admit the
// connection a request came on.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if lc, ok := c.(*conn); ok && lc.reserved {
		return context.WithValue(ctx, connKey{}, lc)
	}
	return ctx
}

// Admit is middleware: on a connection admitted beyond max it serves only
// the requests priority accepts, and answers others 503 with Retry-After
// and the connection closed, so the room stays for those that need it.
func Admit(priority func(*http.Request) bool, retryAfterSeconds int, refuse func(http.ResponseWriter)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, reserved := r.Context().Value(connKey{}).(*conn); reserved {
				if !priority(r) {
					w.Header().Set("Connection", "close")
					w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
					refuse(w)
					return
				}
				c.priority.Store(true)
			}
			next.ServeHTTP(w, r)
		})
	}
}
