package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/rosterhq/roster/infra/config"
)

// startNATS starts a NATS server with JetStream, embedded in the test
// process on a free local port, and returns its URL; it stops with the test.
func startNATS(t *testing.T) string {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		t.Fatal("nats server: not ready within 30 s")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return "nats://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Addr().(*net.TCPAddr).Port))
}

// streamBodies reads every message of a JetStream stream, in its order.
func streamBodies(t *testing.T, url, stream string) []json.RawMessage {
	t.Helper()
	conn, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	js, err := conn.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.StreamInfo(stream)
	if err != nil {
		return nil // not created yet
	}
	var out []json.RawMessage
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := js.GetMsg(stream, seq)
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Get(nats.MsgIdHdr) == "" {
			t.Fatalf("message %d has no Nats-Msg-Id", seq)
		}
		out = append(out, m.Data)
	}
	return out
}

// A person's whole life in a tenant, deletion included, is told through
// all three outlets (the pull feed, a webhook endpoint, the NATS stream),
// the same documents in each, and none of them holds the person's e-mail,
// name or password: nothing sent can name them once they are deleted.
func TestNoOutletOfPublicEventsNamesADeletedPerson(t *testing.T) {
	t.Parallel()
	natsURL := startNATS(t)
	svc, _, _ := freshServices(t, testAccess)
	svc.NATS = config.NATS{URL: natsURL, Stream: "ROSTER_TEST", DuplicateWindow: time.Hour}
	server := serveAll(t, svc)
	runWebhooks(t, svc)
	base := server.URL
	boss := httpTenant(t, base, "acme", "helpdesk", 10, obj{"deletion_allowed": true})
	rec := newHookReceiver(t)
	expect(t, "an endpoint of every type", call(t, base, "POST", "/v1/tenants/acme/webhooks", boss, obj{"url": rec.URL}), http.StatusCreated, "")

	expect(t, "invite ann", call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"id": "ann", "email": "ann.smith@acme.example",
		"name": "Ann Smith", "role": "member", "password": "ann's own pass phrase", "activate": true}), http.StatusCreated, "")
	expect(t, "ann's new role", call(t, base, "PUT", "/v1/tenants/acme/users/ann/role", boss, obj{"role": "manager"}), http.StatusOK, "")
	expect(t, "deactivate ann", call(t, base, "POST", "/v1/tenants/acme/users/ann/deactivate", boss, obj{"reason": "left"}), http.StatusOK, "")
	last := expect(t, "delete ann", call(t, base, "DELETE", "/v1/tenants/acme/users/ann", boss, nil), http.StatusOK, "")

	_, feed, _ := pullAll(t, base, "/v1/tenants/acme/events?min_position="+last.str("position"), boss, 100)
	if len(feed) != 5 { // the tenant, ann invited, her role, her deactivation, her deletion
		t.Fatalf("the feed holds %d events", len(feed))
	}
	for _, typ := range []string{"user.invited.v1", "user.role_changed.v1", "user.deactivated.v1", "user.deleted.v1"} {
		rec.await(t, 0, typ) // every event but the tenant's creation, which came before the endpoint
	}
	var streamed []json.RawMessage
	for deadline := time.Now().Add(10 * time.Second); len(streamed) < len(feed) && time.Now().Before(deadline); {
		streamed = streamBodies(t, natsURL, "ROSTER_TEST")
		if len(streamed) < len(feed) {
			<-time.After(20 * time.Millisecond) // polling the stream, as a consumer would
		}
	}
	if len(streamed) != len(feed) {
		t.Fatalf("the stream holds %d events, the feed %d", len(streamed), len(feed))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	outlets := map[string][]json.RawMessage{"the pull feed": feed, "the NATS stream": streamed}
	for _, hook := range rec.got {
		outlets["the webhook deliveries"] = append(outlets["the webhook deliveries"], hook.body)
	}
	for i := range feed {
		if !bytes.Equal(feed[i], streamed[i]) {
			t.Fatalf("event %d differs between the feed and the stream:\n%s\n%s", i, feed[i], streamed[i])
		}
	}
	for _, hook := range rec.got {
		if !containsBody(feed, hook.body) {
			t.Fatalf("a delivery the feed does not hold: %s", hook.body)
		}
	}
	for outlet, bodies := range outlets {
		for _, body := range bodies {
			for _, personal := range []string{"ann.smith", "Ann Smith", "Smith", "pass phrase", "argon2"} {
				if bytes.Contains(body, []byte(personal)) {
					t.Errorf("%s names %q: %s", outlet, personal, body)
				}
			}
		}
	}
}

func containsBody(bodies []json.RawMessage, body []byte) bool {
	for _, b := range bodies {
		if bytes.Equal(b, body) {
			return true
		}
	}
	return false
}
