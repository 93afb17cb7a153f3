package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// rawClient speaks HTTP/1.1 over one kept-alive connection with the least
// work a client can do: write the request, read the status line, the
// headers and a Content-Length body. It measures the server's HTTP layer
// without Go's http.Client, whose own goroutine hand-offs (a read loop and
// a write loop per connection) cost ≈ 50 µs per request on this machine and
// would, in production, be spent on the client's machine. Not safe for
// concurrent use.
type rawClient struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(base string) (*rawClient, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	return &rawClient{conn: conn, r: bufio.NewReader(conn)}, nil
}

// post sends a POST with a JSON body and returns the reply's status,
// having read and dropped its body.
func (c *rawClient) post(path, token, body string) (int, error) {
	req := "POST " + path + " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(c.conn, req); err != nil {
		return 0, err
	}
	status, length := 0, -1
	for first := true; ; first = false {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch k, v, _ := strings.Cut(line, ":"); {
		case first:
			if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
				return 0, fmt.Errorf("status line %q: %w", line, err)
			}
		case line == "":
			if length < 0 {
				return 0, errors.New("a reply without Content-Length")
			}
			_, err := c.r.Discard(length)
			return status, err
		case strings.EqualFold(k, "Content-Length"):
			if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return 0, fmt.Errorf("Content-Length %q: %w", v, err)
			}
		}
	}
}

// overRawHTTP is overHTTP through rawClient connections, one per client.
func (s *httpSide) overRawHTTP(t *toggles) operation {
	var mu sync.Mutex
	clients := map[int]*rawClient{}
	return func(ctx context.Context, client int) (int, error) {
		mu.Lock()
		c := clients[client]
		if c == nil {
			var err error
			if c, err = dialRaw(s.server.URL); err != nil {
				mu.Unlock()
				return 0, err
			}
			clients[client] = c
		}
		mu.Unlock()
		u, deactivate := t.next()
		action := map[bool]string{true: "deactivate", false: "reactivate"}[deactivate]
		status, err := c.post("/v1/tenants/web/users/"+string(u)+"/"+action, s.token, "{}")
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("%s %s: %d", action, u, status)
		}
		return 1, nil
	}
}
