package webhooks

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// verdict is what becomes of a delivery after an attempt.
type verdict struct {
	state   string
	retries int           // failed attempts since queued, this one included
	delay   time.Duration // until the next attempt, when pending
	disable string        // why the endpoint must be disabled at once; "" if not
}

// judge decides what follows outcome o of attempt c: delivered on a 2xx;
// failed with the endpoint disabled on 410 Gone; failed when the event is
// gone or the backoff is used up; else pending again after the backoff's
// next wait, jittered, or the wait the receiver asked for if longer.
func judge(c claimed, o outcome, backoff []time.Duration) verdict {
	switch {
	case o.delivered():
		return verdict{state: Delivered, retries: c.retries}
	case o.status == http.StatusGone:
		return verdict{state: Failed, retries: c.retries + 1, disable: "the receiver answered 410 Gone"}
	case c.body == nil || c.retries >= len(backoff):
		return verdict{state: Failed, retries: c.retries + 1}
	}
	return verdict{state: Pending, retries: c.retries + 1, delay: max(jitter(backoff[c.retries]), o.retryAfter)}
}

// jitter spreads d by ±20%, so that the deliveries of a receiver that came
// back do not all return at the same instant.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
