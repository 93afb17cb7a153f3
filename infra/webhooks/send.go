package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// drainLimit is the most of an answer's body read (and thrown away) so that
// the connection can serve the next delivery; nothing of it is kept.
const drainLimit = 64 << 10

// newTransport is the HTTP transport of deliveries: every connection
// checked by the guard once resolved, no proxy from the environment (the
// guard would check the proxy, not the receiver), and enough idle
// connections per host for a busy receiver. Deliveries go through it
// directly, not through an http.Client: a delivery follows no redirect (a
// 3xx is an answer, and not a success) and keeps no cookie, which is all a
// client would add, at the cost of a copy of every request's headers.
func newTransport(g guard, concurrency int) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	return &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        4 * concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
}

// outcome is what one attempt came to.
type outcome struct {
	status     int // 0: no answer
	latency    time.Duration
	err        string        // why it did not deliver; "" when it did
	retryAfter time.Duration // asked for by a 429 or 503
}

func (o outcome) delivered() bool { return o.status >= 200 && o.status < 300 }

// send POSTs c's event, signed now, within the timeout.
func (d *Dispatcher) send(ctx context.Context, c claimed) outcome {
	if c.body == nil {
		return outcome{err: "the public event is no longer kept (past the log's retention)"}
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.body))
	if err != nil {
		return outcome{err: "the request cannot be made: " + err.Error()}
	}
	start := time.Now()
	req.Header = signed(c.keys, c.eventID, start, c.body)
	resp, err := d.transport.RoundTrip(req)
	if err != nil {
		return outcome{latency: time.Since(start), err: describe(err, ctx)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	_ = resp.Body.Close()
	o := outcome{status: resp.StatusCode, latency: time.Since(start)}
	if !o.delivered() {
		o.err = "the receiver answered " + resp.Status
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		o.retryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return o
}

// describe is the error of an attempt without an answer, without the URL
// that net/http repeats.
func describe(err error, ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "no answer within the timeout"
	}
	var u *url.Error
	if errors.As(err, &u) {
		err = u.Err
	}
	return err.Error()
}

// maxRetryAfter bounds the wait a receiver may ask for.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After header: seconds, or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(header string, now time.Time) time.Duration {
	if header == "" {
		return 0
	}
	if s, err := strconv.ParseInt(header, 10, 64); err == nil && s >= 0 {
		return min(time.Duration(min(s, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(header); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}

// String is for logs: status and latency, never a body.
func (o outcome) String() string {
	return fmt.Sprintf("status %d in %s: %s", o.status, o.latency, o.err)
}
