package webhooks

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterIsReadAsSecondsOrAnHTTPDateAndBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	for header, want := range map[string]time.Duration{
		"":         0,
		"120":      2 * time.Minute,
		"-5":       0,
		"soon":     0,
		"99999999": maxRetryAfter,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got := retryAfter(header, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", header, got, want)
		}
	}
}

func TestTheBackoffCoversAboutThreeDaysThenFails(t *testing.T) {
	t.Parallel()
	var total time.Duration
	for _, d := range DefaultBackoff {
		total += d
	}
	if total < 60*time.Hour || total > 84*time.Hour {
		t.Errorf("the default backoff waits %s in all; want about three days", total)
	}
	c := claimed{body: []byte("{}")}
	for c.retries = range len(DefaultBackoff) {
		v := judge(c, outcome{status: 500}, DefaultBackoff)
		if d := DefaultBackoff[c.retries]; v.state != Pending || v.delay < d*8/10 || v.delay > d*12/10 {
			t.Fatalf("after failure %d: %+v; want pending in %s ±20%%", c.retries+1, v, d)
		}
	}
	c.retries = len(DefaultBackoff)
	if v := judge(c, outcome{status: 500}, DefaultBackoff); v.state != Failed {
		t.Errorf("after the last failure: %+v; want failed", v)
	}
	if v := judge(claimed{body: []byte("{}")}, outcome{status: 429, retryAfter: time.Hour}, DefaultBackoff); v.delay != time.Hour {
		t.Errorf("a 429 asking for an hour: %+v", v)
	}
}
