package webhooks_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/webhooks"
)

func TestADeliveryIsTheEventsBodySignedPerStandardWebhooks(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusNoContent))
	sent := st.publish(t, "acme", "user.deactivated.v1")

	eventually(t, 10*time.Second, "the delivery", func() bool { return len(st.rc.requests()) == 1 })
	r := st.rc.requests()[0]
	verify(t, st.secret, r)
	if r.eventID != sent.id || !bytes.Equal(r.body, sent.body) {
		t.Errorf("received webhook-id %q and body %s; want %q and the log's bytes %s", r.eventID, r.body, sent.id, sent.body)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	if got := r.header.Get("User-Agent"); !strings.HasPrefix(got, "Roster-Webhooks/") {
		t.Errorf("User-Agent %q", got)
	}
	if strings.Contains(st.logs.String(), string(st.secret)[len("whsec_"):]) {
		t.Error("the secret appears in the log")
	}
}

func TestDuringARotationBothSecretsSignAndEitherVerifies(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusOK))
	fresh, err := st.s.RotateSecret(bg, "acme", st.e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == st.secret || !strings.HasPrefix(string(fresh), "whsec_") {
		t.Fatalf("rotation gave %q", fresh)
	}
	if got, _ := st.s.GetEndpoint(bg, "acme", st.e.ID); time.Until(got.PreviousSecretUntil) < 23*time.Hour {
		t.Errorf("the old secret signs until %s, want 24 h from now", got.PreviousSecretUntil)
	}
	st.publish(t, "acme", "user.invited.v1")

	eventually(t, 10*time.Second, "the delivery", func() bool { return len(st.rc.requests()) == 1 })
	r := st.rc.requests()[0]
	if sigs := strings.Fields(r.header.Get("webhook-signature")); len(sigs) != 2 {
		t.Errorf("webhook-signature %q: want two signatures", r.header.Get("webhook-signature"))
	}
	verify(t, st.secret, r)
	verify(t, fresh, r)
}

func TestAReceiverFailingForAWhileGetsEverythingInABoundedNumberOfAttempts(t *testing.T) {
	t.Parallel()
	const failures, events = 7, 5
	st := start(t, nil, func(n int, rw http.ResponseWriter, _ *http.Request) {
		if n <= failures {
			rw.WriteHeader(http.StatusInternalServerError)
		}
	})
	for range events {
		st.publish(t, "acme", "user.activated.v1")
	}

	eventually(t, 20*time.Second, "every delivery delivered", func() bool {
		for _, d := range deliveries(t, st.s, st.e) {
			if d.State != webhooks.Delivered {
				return false
			}
		}
		return len(st.rc.ids()) == events
	})
	if n := len(st.rc.requests()); n != failures+events {
		t.Errorf("%d requests; want the %d failed ones and one success per event", n, failures+events)
	}
	for _, d := range deliveries(t, st.s, st.e) {
		if len(d.Attempts) > len(fastBackoff)+1 {
			t.Errorf("%s took %d attempts", d.EventID, len(d.Attempts))
		}
		for i, a := range d.Attempts[:len(d.Attempts)-1] {
			if a.StatusCode != 500 || a.Error == "" || a.NextAttemptAt.IsZero() || a.Number != i+1 {
				t.Errorf("failed attempt %+v of %s: want 500, an error and a next attempt", a, d.EventID)
			}
		}
		if last := d.Attempts[len(d.Attempts)-1]; last.StatusCode != 200 || last.Error != "" || !last.NextAttemptAt.IsZero() {
			t.Errorf("last attempt %+v of %s: want 200 and nothing next", last, d.EventID)
		}
	}
	for _, r := range st.rc.requests() {
		verify(t, st.secret, r)
	}
	if got, _ := st.s.GetEndpoint(bg, "acme", st.e.ID); !got.FailingSince.IsZero() {
		t.Errorf("the endpoint is failing since %s after its successes", got.FailingSince)
	}
}

func TestADeliveryFailsForGoodOnceItsRetriesAreUsedUp(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusBadGateway))
	st.publish(t, "acme", "user.activated.v1")

	eventually(t, 20*time.Second, "the delivery failed", func() bool {
		d := deliveries(t, st.s, st.e)
		return len(d) == 1 && d[0].State == webhooks.Failed
	})
	if n := len(st.rc.requests()); n != len(fastBackoff)+1 {
		t.Errorf("%d attempts; want %d", n, len(fastBackoff)+1)
	}
	got, _ := st.s.GetEndpoint(bg, "acme", st.e.ID)
	if !got.Enabled || got.FailingSince.IsZero() {
		t.Errorf("endpoint %+v: want enabled (not failing for days yet) and failing", got)
	}
}

func TestAReceiverAnswering410GoneIsDisabledAndSaidSo(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusGone))
	st.publish(t, "acme", "user.blocked.v1")

	got := awaitDisabled(t, st)
	if !strings.Contains(got.DisabledReason, "410") || got.DisabledAt.IsZero() {
		t.Errorf("disabled at %s for %q; want the time and 410 Gone", got.DisabledAt, got.DisabledReason)
	}
	if d := deliveries(t, st.s, st.e); len(d) != 1 || d[0].State != webhooks.Failed || len(st.rc.requests()) != 1 {
		t.Errorf("deliveries %+v after %d requests; want one failed attempt", d, len(st.rc.requests()))
	}

	enabled := true
	again, err := st.s.UpdateEndpoint(bg, "acme", st.e.ID, webhooks.EndpointChange{Enabled: &enabled})
	if err != nil || !again.Enabled || again.DisabledReason != "" || !again.DisabledAt.IsZero() || !again.FailingSince.IsZero() {
		t.Errorf("enabled again: %+v, %v; want enabled with nothing of its disabling left", again, err)
	}
}

// awaitDisabled waits for st's endpoint to be disabled, and returns it.
func awaitDisabled(t *testing.T, st started) webhooks.Endpoint {
	t.Helper()
	var got webhooks.Endpoint
	eventually(t, 10*time.Second, "the endpoint disabled", func() bool {
		var err error
		got, err = st.s.GetEndpoint(bg, "acme", st.e.ID)
		return err == nil && !got.Enabled
	})
	return got
}

func TestAnEndpointFailingForLongerThanDisableAfterIsDisabledAndSaidSo(t *testing.T) {
	t.Parallel()
	st := start(t, func(o *webhooks.Options) {
		o.DisableAfter = 100 * time.Millisecond
		o.Backoff = []time.Duration{50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond}
	}, answering(http.StatusInternalServerError))
	st.publish(t, "acme", "user.blocked.v1")

	got := awaitDisabled(t, st)
	if !strings.Contains(got.DisabledReason, "failed since") {
		t.Errorf("disabled for %q; want the time it has failed since", got.DisabledReason)
	}
	if d := deliveries(t, st.s, st.e); d[0].State != webhooks.Pending || !d[0].NextAttemptAt.IsZero() {
		t.Errorf("the delivery of a disabled endpoint: %+v; want pending, held until it is enabled", d[0])
	}
}

func TestARetryingDeliveryOfADisabledEndpointWaitsUntilItIsEnabled(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	st := start(t, func(o *webhooks.Options) { o.Backoff = []time.Duration{time.Hour} }, // long after a failure
		func(_ int, rw http.ResponseWriter, _ *http.Request) {
			if fail.Load() {
				rw.WriteHeader(http.StatusServiceUnavailable)
			}
		})
	st.publish(t, "acme", "user.blocked.v1")
	eventually(t, 10*time.Second, "the first attempt", func() bool { return len(st.rc.requests()) == 1 })

	off, on := false, true
	if _, err := st.s.UpdateEndpoint(bg, "acme", st.e.ID, webhooks.EndpointChange{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the attempt recorded", func() bool { return len(only(t, st).Attempts) == 1 })
	if d := deliveries(t, st.s, st.e); d[0].State != webhooks.Pending || !d[0].NextAttemptAt.IsZero() {
		t.Errorf("a disabled endpoint's delivery: %+v; want pending with no next attempt", d[0])
	}
	fail.Store(false)
	if _, err := st.s.UpdateEndpoint(bg, "acme", st.e.ID, webhooks.EndpointChange{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the delivery once enabled", func() bool { return only(t, st).State == webhooks.Delivered })
}

func TestAHangingReceiverIsTimedOut(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	st := start(t, func(o *webhooks.Options) { o.Timeout = timeout },
		func(n int, _ http.ResponseWriter, r *http.Request) {
			if n == 1 {
				<-r.Context().Done() // hangs until the sender gives up
			}
		})
	st.publish(t, "acme", "user.blocked.v1")

	eventually(t, 10*time.Second, "the retry delivered", func() bool { return only(t, st).State == webhooks.Delivered })
	first := only(t, st).Attempts[0]
	if first.StatusCode != 0 || !strings.Contains(first.Error, "timeout") || first.Latency < timeout-10*time.Millisecond || first.Latency > timeout+2*time.Second {
		t.Errorf("the hanging attempt: %+v; want no status, a timeout after about %s", first, timeout)
	}
}

func TestA429WithRetryAfterIsRetriedNoSooner(t *testing.T) {
	t.Parallel()
	st := start(t, nil, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	st.publish(t, "acme", "user.blocked.v1")

	eventually(t, 10*time.Second, "the retry", func() bool { return len(st.rc.requests()) == 2 })
	got := st.rc.requests()
	if gap := got[1].at.Sub(got[0].at); gap < time.Second {
		t.Errorf("retried %s after a 429 asking for 1 s (the backoff alone waits %s)", gap, fastBackoff[0])
	}
	first := only(t, st).Attempts[0]
	if first.StatusCode != 429 || first.NextAttemptAt.Sub(first.At) < time.Second {
		t.Errorf("the 429 attempt: %+v; want its next attempt a second later at least", first)
	}
}

func TestAnEndpointGetsOnlyItsTypesOfItsTenantAndOnlyWhenEnabled(t *testing.T) {
	t.Parallel()
	st := start(t, nil, nil) // every type
	some := newReceiver(t, nil)
	filtered, _ := endpoint(t, st.s, "acme", some.URL, "user.deactivated.v1", "user.deleted.v1")
	off := newReceiver(t, nil)
	disabled, _, err := st.s.CreateEndpoint(bg, "acme", webhooks.NewEndpoint{URL: off.URL, Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	st.publish(t, "acme", "user.invited.v1")
	deactivated := st.publish(t, "acme", "user.deactivated.v1")
	st.publish(t, "other", "user.deactivated.v1")
	last := st.publish(t, "acme", "user.activated.v1")

	eventually(t, 10*time.Second, "the unfiltered endpoint's three", func() bool { return len(st.rc.ids()) == 3 })
	eventually(t, 10*time.Second, "the filtered endpoint's one", func() bool { return len(some.ids()) == 1 })
	if d := deliveries(t, st.s, filtered); len(d) != 1 || d[0].EventID != deactivated.id || some.ids()[0] != deactivated.id {
		t.Errorf("the filtered endpoint got %v, deliveries %+v; want only %s", some.ids(), d, deactivated.id)
	}
	if d := deliveries(t, st.s, st.e); len(d) != 3 || d[0].EventID != last.id {
		t.Errorf("the unfiltered endpoint's deliveries %+v; want acme's three, newest first", d)
	}
	if d := deliveries(t, st.s, disabled); len(d) != 0 || len(off.requests()) != 0 {
		t.Errorf("the disabled endpoint has deliveries %+v", d)
	}
}

// only is the first delivery of st's endpoint (the zero Delivery when it has none).
func only(t *testing.T, st started) webhooks.Delivery {
	t.Helper()
	if d := deliveries(t, st.s, st.e); len(d) > 0 {
		return d[0]
	}
	return webhooks.Delivery{}
}

func TestARedirectIsAnAnswerNotFollowed(t *testing.T) {
	t.Parallel()
	elsewhere := newReceiver(t, nil)
	st := start(t, func(o *webhooks.Options) { o.Backoff = []time.Duration{time.Hour} },
		func(_ int, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL, http.StatusFound)
		})
	st.publish(t, "acme", "user.blocked.v1")

	eventually(t, 10*time.Second, "the attempt recorded", func() bool { return len(only(t, st).Attempts) == 1 })
	if a := only(t, st).Attempts[0]; a.StatusCode != http.StatusFound || !strings.Contains(a.Error, "302") {
		t.Errorf("attempt %+v; want the 302 as a failed answer", a)
	}
	if n := len(elsewhere.requests()); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
}

// A success whose delivery changed hands during the attempt (replayed
// here) leaves the delivery as the replay made it, to be sent again, and
// still appears in the log: both attempts are there, each answered 200.
func TestASuccessWhoseDeliveryWasReplayedDuringItsAttemptIsLoggedAndSentAgain(t *testing.T) {
	t.Parallel()
	replayed := make(chan struct{})
	st := start(t, nil, func(n int, rw http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			<-replayed // answer the first attempt only once the replay is stored
		}
	})
	sent := st.publish(t, "acme", "user.activated.v1")
	eventually(t, 10*time.Second, "the first attempt under way", func() bool { return len(st.rc.requests()) == 1 })
	if err := st.s.ReplayDelivery(bg, "acme", st.e.ID, sent.id); err != nil {
		t.Fatal(err)
	}
	close(replayed)
	eventually(t, 10*time.Second, "the replayed delivery sent and both attempts logged", func() bool {
		d := only(t, st)
		return d.State == webhooks.Delivered && len(d.Attempts) == 2
	})
	for _, a := range only(t, st).Attempts {
		if a.StatusCode != http.StatusOK {
			t.Errorf("attempt %d answered %d; want 200", a.Number, a.StatusCode)
		}
	}
	if n := len(st.rc.requests()); n != 2 {
		t.Errorf("the receiver got %d requests; want the first and the replay's", n)
	}
}
