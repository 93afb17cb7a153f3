package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/rosterhq/roster/infra/wiring"
)

// hookReceiver is a loopback receiver that keeps what it is sent.
type hookReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []receivedHook
	arrived chan struct{} // one value per delivery
}

type receivedHook struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	rec := &hookReceiver{arrived: make(chan struct{}, 100)}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.got = append(rec.got, receivedHook{header: r.Header.Clone(), body: body})
		rec.mu.Unlock()
		rec.arrived <- struct{}{}
	}))
	t.Cleanup(rec.Close)
	return rec
}

// await waits (at most 10 s) for a delivery of an event of type typ
// received after the first from of them, and returns it with how many had
// come by then. Deliveries are at least once: a copy may come again.
func (rec *hookReceiver) await(t *testing.T, from int, typ string) (receivedHook, int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		rec.mu.Lock()
		got := rec.got
		rec.mu.Unlock()
		for _, hook := range got[from:] {
			var event struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(hook.body, &event) == nil && event.Type == typ {
				return hook, len(got)
			}
		}
		select {
		case <-rec.arrived:
		case <-deadline:
			t.Fatalf("no delivery of %s in 10 s", typ)
		}
	}
}

// count is how many deliveries came so far.
func (rec *hookReceiver) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.got)
}

// runWebhooks delivers svc's webhooks until the test ends.
func runWebhooks(t *testing.T, svc *wiring.Services) {
	ctx, stop := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { defer close(done); wiring.RunWebhooks(ctx, svc) }()
	t.Cleanup(func() { stop(); <-done })
}

// verifies fails unless hook is signed under secret as Standard Webhooks
// says (checked by the reference library) and carries event id as its id.
func verifies(t *testing.T, hook receivedHook, secret string) map[string]any {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(hook.body, hook.header); err != nil {
		t.Fatalf("the delivery does not verify: %v (%s)", err, hook.header.Get("webhook-signature"))
	}
	var event map[string]any
	if err := json.Unmarshal(hook.body, &event); err != nil {
		t.Fatal(err)
	}
	if hook.header.Get("webhook-id") != event["id"] || hook.header.Get("Content-Type") != "application/json" {
		t.Fatalf("webhook-id %q, content type %q, for event %v", hook.header.Get("webhook-id"), hook.header.Get("Content-Type"), event["id"])
	}
	return event
}

// An owner registers an endpoint over the API (its secret shown once);
// a deactivation reaches it signed, as the delivery log says; after a
// rotation both secrets sign a replay, under the same webhook-id; an
// endpoint disabled and enabled again is sent what it missed by a replay
// from its last position (infra/webhooks' tests show a disabled endpoint
// is sent nothing); nothing delivered names the deleted person; a deleted
// endpoint is gone.
func TestWebhooksAreManagedOverHTTPAndDeliverSignedEvents(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	runWebhooks(t, svc)
	base := server.URL
	boss := httpTenant(t, base, "acme", "helpdesk", 10, obj{"deletion_allowed": true})
	rec := newHookReceiver(t)
	const hooks = "/v1/tenants/acme/webhooks"

	created := expect(t, "an endpoint", call(t, base, "POST", hooks, boss,
		obj{"url": rec.URL + "/roster", "types": []string{"user.deactivated.v1", "user.deleted.v1"}}), http.StatusCreated, "")
	secret, id := created.str("secret"), created.str("id")
	if !strings.HasPrefix(secret, "whsec_") || created.Body["enabled"] != true {
		t.Fatalf("created: %s", created.Raw)
	}
	listed := expect(t, "the endpoints", call(t, base, "GET", hooks, boss, nil), http.StatusOK, "")
	if strings.Contains(listed.Raw, secret) || strings.Contains(listed.Raw, `"secret"`) {
		t.Fatalf("a list shows the secret: %s", listed.Raw)
	}
	expectInvalidParam(t, "an unknown type", call(t, base, "POST", hooks, boss, obj{"url": rec.URL, "types": []string{"user.exploded.v1"}}), "types")

	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "bob", "member", "member")
	expect(t, "deactivate ann", call(t, base, "POST", "/v1/tenants/acme/users/ann/deactivate", boss, obj{"reason": "left"}), http.StatusOK, "")
	first, seen := rec.await(t, 0, "user.deactivated.v1")
	event := verifies(t, first, secret)
	if event["type"] != "user.deactivated.v1" || event["subject"] != "ann" {
		t.Fatalf("delivered %v", event)
	}
	// The receiver has it before Roster has its answer: the log says so
	// once the attempt is recorded.
	var log reply
	for deadline := time.Now().Add(10 * time.Second); ; {
		log = expect(t, "the delivery log", call(t, base, "GET", hooks+"/"+id+"/deliveries", boss, nil), http.StatusOK, "")
		if strings.Contains(log.Raw, `"state":"delivered"`) || time.Now().After(deadline) {
			break
		}
		<-time.After(20 * time.Millisecond) // polling the API, as an admin's page would
	}
	delivered := log.Body["items"].([]any)[0].(map[string]any)
	attempts := delivered["attempts"].([]any)
	if delivered["event_id"] != event["id"] || delivered["state"] != "delivered" || len(attempts) != 1 ||
		attempts[0].(map[string]any)["status"] != float64(200) {
		t.Fatalf("the delivery log: %s", log.Raw)
	}

	rotated := expect(t, "rotate", call(t, base, "POST", hooks+"/"+id+"/rotate-secret", boss, nil), http.StatusOK, "")
	newSecret := rotated.str("secret")
	expect(t, "replay from the start", call(t, base, "POST", hooks+"/"+id+"/replay", boss, obj{"after": "0"}), http.StatusAccepted, "")
	again, _ := rec.await(t, seen, "user.deactivated.v1")
	verifies(t, again, newSecret)
	verifies(t, again, secret) // the old secret signs too, for 24 h
	if again.header.Get("webhook-id") != first.header.Get("webhook-id") {
		t.Fatalf("a replay has a new webhook-id: %s, first %s", again.header.Get("webhook-id"), first.header.Get("webhook-id"))
	}

	disabled := expect(t, "disable", call(t, base, "PATCH", hooks+"/"+id, boss, obj{"enabled": false}), http.StatusOK, "")
	if disabled.Body["enabled"] != false {
		t.Fatalf("disabled: %s", disabled.Raw)
	}
	deleted := expect(t, "delete ann", call(t, base, "DELETE", "/v1/tenants/acme/users/ann", boss, nil), http.StatusOK, "")
	// The deletion is told (the feed has it) while the endpoint is off.
	expect(t, "the feed at the deletion", call(t, base, "GET", "/v1/tenants/acme/events?type=user.deleted.v1&min_position="+deleted.str("position"),
		boss, nil), http.StatusOK, "")
	before := rec.count()
	// Enabled again, it is sent what comes next; what it missed meanwhile,
	// the admin replays from the last position it received.
	expect(t, "enable", call(t, base, "PATCH", hooks+"/"+id, boss, obj{"enabled": true}), http.StatusOK, "")
	expect(t, "replay what was missed", call(t, base, "POST", hooks+"/"+id+"/replay", boss, obj{"after": delivered["position"]}),
		http.StatusAccepted, "")
	gone, _ := rec.await(t, before, "user.deleted.v1")
	verifies(t, gone, newSecret)

	rec.mu.Lock()
	for _, hook := range rec.got {
		for _, personal := range []string{"ann@acme.example", "User ann"} {
			if bytes.Contains(hook.body, []byte(personal)) {
				t.Errorf("a delivery names %q: %s", personal, hook.body)
			}
		}
	}
	rec.mu.Unlock()
	call(t, base, "DELETE", hooks+"/"+id, boss, nil)
	if after := expect(t, "the endpoints", call(t, base, "GET", hooks, boss, nil), http.StatusOK, ""); len(after.Body["items"].([]any)) != 0 {
		t.Fatalf("a deleted endpoint is listed: %s", after.Raw)
	}
}

// What the webhook routes take that could not be stored or compared as
// sent (NUL, a control character, 10 kB) is refused with 400 naming the
// field, never a 500.
func TestWebhookRoutesRefuseHostileValues(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 5, nil)
	id := expect(t, "an endpoint", call(t, base, "POST", "/v1/tenants/acme/webhooks", boss, obj{"url": "http://127.0.0.1:9/hook"}),
		http.StatusCreated, "").str("id")
	replay := "/v1/tenants/acme/webhooks/" + id + "/replay"
	for what, c := range map[string]struct {
		path  string
		body  obj
		field string
	}{
		"a NUL in event_id":     {replay, obj{"event_id": "ev\u0000"}, "event_id"},
		"an event_id of 10 kB":  {replay, obj{"event_id": strings.Repeat("e", 10_000)}, "event_id"},
		"a NUL in after":        {replay, obj{"after": "1-\u0000"}, "after"},
		"the largest after + 1": {replay, obj{"after": "18446744073709551616-0"}, "after"},
		"a NUL in the url":      {"/v1/tenants/acme/webhooks", obj{"url": "http://127.0.0.1:9/\u0000"}, "url"},
		"a url of 10 kB":        {"/v1/tenants/acme/webhooks", obj{"url": "http://127.0.0.1:9/" + strings.Repeat("a", 10_000)}, "url"},
		"a NUL in a type":       {"/v1/tenants/acme/webhooks", obj{"url": "http://127.0.0.1:9/", "types": []string{"user.\u0000.v1"}}, "types"},
	} {
		expectInvalidParam(t, what, call(t, base, "POST", c.path, boss, c.body), c.field)
	}
	expect(t, "the largest position is a cursor", call(t, base, "POST", replay, boss, obj{"after": "18446744073709551615-18446744073709551615"}),
		http.StatusAccepted, "")
}
