package webhooks_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/projections/publicevents"
)

func TestAnEndpointIsCreatedWithASecretShownOnceAndStoredSealed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.store(w.options())
	e, secret, err := s.CreateEndpoint(bg, "acme", webhooks.NewEndpoint{URL: "http://127.0.0.1:9/hook",
		Types: []string{"user.deleted.v1", "user.deactivated.v1", "user.deleted.v1"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == "" || e.URL != "http://127.0.0.1:9/hook" || !slices.Equal(e.Types, []string{"user.deactivated.v1", "user.deleted.v1"}) ||
		!e.Enabled || e.CreatedAt.IsZero() || !e.PreviousSecretUntil.IsZero() {
		t.Errorf("created %+v", e)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(secret), "whsec_"))
	if !strings.HasPrefix(string(secret), "whsec_") || err != nil || len(key) < 24 || len(key) > 64 {
		t.Fatalf("secret %q: want whsec_ and the base64 of 24 to 64 bytes", string(secret))
	}
	var stored []byte
	if err := w.pool.QueryRow(bg, `SELECT secret FROM webhook_endpoints WHERE id = $1`, e.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, key) || bytes.Contains(stored, []byte(secret)) {
		t.Error("the secret is stored in the clear")
	}
	if printed := fmt.Sprint(secret) + fmt.Sprintf("%v %s", secret, secret); strings.Contains(printed, string(secret)[6:]) {
		t.Errorf("a Secret prints its value: %s", printed)
	}
	if shown, err := json.Marshal(map[string]webhooks.Secret{"secret": secret}); err != nil || !bytes.Contains(shown, []byte(secret)) {
		t.Errorf("a Secret in JSON: %s, %v; want it shown", shown, err)
	}
	list, err := s.ListEndpoints(bg, "acme")
	if err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Errorf("list: %+v, %v", list, err)
	}
	if list, _ := s.ListEndpoints(bg, "other"); len(list) != 0 {
		t.Errorf("another tenant lists %+v", list)
	}
}

func TestAnEndpointIsUpdatedAndDeleted(t *testing.T) {
	t.Parallel()
	s := newWorld(t).storeWithDefaults()
	e, _ := endpoint(t, s, "acme", "http://127.0.0.1:9/a")
	url, types, off := "http://127.0.0.1:9/b", []string{"user.invited.v1"}, false
	got, err := s.UpdateEndpoint(bg, "acme", e.ID, webhooks.EndpointChange{URL: &url, Types: &types, Enabled: &off})
	if err != nil || got.URL != url || !slices.Equal(got.Types, types) || got.Enabled {
		t.Errorf("update: %+v, %v", got, err)
	}
	none := []string{}
	got, err = s.UpdateEndpoint(bg, "acme", e.ID, webhooks.EndpointChange{Types: &none})
	if err != nil || got.URL != url || len(got.Types) != 0 || got.Enabled {
		t.Errorf("update of the types alone: %+v, %v", got, err)
	}
	if err := s.DeleteEndpoint(bg, "acme", e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetEndpoint(bg, "acme", e.ID); domain.CodeOf(err) != domain.CodeNotFound {
		t.Errorf("a deleted endpoint: %v", err)
	}
}

func TestUnknownEndpointsAreNotFoundAndBadTypesInvalid(t *testing.T) {
	t.Parallel()
	s := newWorld(t).storeWithDefaults()
	e, _ := endpoint(t, s, "acme", "http://127.0.0.1:9/a")
	on := true
	for name, err := range map[string]error{
		"get":            func() error { _, err := s.GetEndpoint(bg, "acme", "nope"); return err }(),
		"another tenant": func() error { _, err := s.GetEndpoint(bg, "other", e.ID); return err }(),
		"update": func() error {
			_, err := s.UpdateEndpoint(bg, "acme", "nope", webhooks.EndpointChange{Enabled: &on})
			return err
		}(),
		"delete":     s.DeleteEndpoint(bg, "other", e.ID),
		"rotate":     func() error { _, err := s.RotateSecret(bg, "acme", "nope"); return err }(),
		"deliveries": func() error { _, _, err := s.Deliveries(bg, "acme", "nope", webhooks.DeliveryPage{}); return err }(),
		"replay":     func() error { _, err := s.Replay(bg, "other", e.ID, eventstore.Position{}); return err }(),
		"replay one": s.ReplayDelivery(bg, "acme", e.ID, "evt-nope"),
	} {
		if domain.CodeOf(err) != domain.CodeNotFound {
			t.Errorf("%s: %v; want not_found", name, err)
		}
	}
	for _, types := range [][]string{{"user deactivated"}, {"User.Deactivated.v1"}, {"user.deactivated"}, {""}} {
		_, _, err := s.CreateEndpoint(bg, "acme", webhooks.NewEndpoint{URL: "http://127.0.0.1:9/", Types: types})
		var refusal *domain.Error
		if !errors.As(err, &refusal) || refusal.Code != domain.CodeInvalid || refusal.Field != "types" {
			t.Errorf("types %q: %v; want invalid types", types, err)
		}
	}
	for _, page := range []webhooks.DeliveryPage{{Limit: 201}, {Limit: -1}, {State: "lost"}} {
		if _, _, err := s.Deliveries(bg, "acme", e.ID, page); domain.CodeOf(err) != domain.CodeInvalid {
			t.Errorf("page %+v: %v; want invalid", page, err)
		}
	}
}

func TestReplaySendsEveryEventAfterACursorAgainWithTheSameWebhookID(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusOK))
	var sent []published
	for range 4 {
		sent = append(sent, st.publish(t, "acme", "user.activated.v1"))
	}
	eventually(t, 10*time.Second, "the first round", func() bool { return allDelivered(t, st.s, st.e, 4) })

	n, err := st.s.Replay(bg, "acme", st.e.ID, sent[1].at)
	if err != nil || n != 2 {
		t.Fatalf("replay after the second event: %d, %v; want 2", n, err)
	}
	eventually(t, 10*time.Second, "the replayed two", func() bool { return len(st.rc.requests()) == 6 && allDelivered(t, st.s, st.e, 4) })
	if err := st.s.ReplayDelivery(bg, "acme", st.e.ID, sent[0].id); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the replayed one", func() bool { return len(st.rc.requests()) == 7 && allDelivered(t, st.s, st.e, 4) })
	count := map[string]int{}
	for _, r := range st.rc.requests() {
		count[r.eventID]++
		verify(t, st.secret, r)
	}
	if want := map[string]int{sent[0].id: 2, sent[1].id: 1, sent[2].id: 2, sent[3].id: 2}; !maps.Equal(count, want) {
		t.Errorf("received %v; want %v", count, want)
	}
	// The log keeps the attempt that delivered before the replay as well
	// as the one that delivered after it.
	for _, d := range deliveries(t, st.s, st.e) {
		var numbers []int
		for _, a := range d.Attempts {
			if a.StatusCode != http.StatusOK || a.Error != "" {
				t.Errorf("%s: attempt %d answered %d %q; want 200", d.EventID, a.Number, a.StatusCode, a.Error)
			}
			numbers = append(numbers, a.Number)
		}
		if want := []int{1, 2}[:count[d.EventID]]; !slices.Equal(numbers, want) {
			t.Errorf("%s's log shows attempts %v; want %v", d.EventID, numbers, want)
		}
	}
}

// An endpoint gets the events that happened once it existed; the earlier
// ones (an hour earlier here), only when replayed.
func TestAnEndpointCreatedLaterGetsEarlierEventsOnlyByReplay(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusOK))
	first := st.publish(t, "acme", "user.activated.v1")
	eventually(t, 10*time.Second, "the first event", func() bool { return allDelivered(t, st.s, st.e, 1) })
	if _, err := st.pool.Exec(bg, `UPDATE `+publicevents.Table+` SET at = at - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	late := newReceiver(t, nil)
	e, _ := endpoint(t, st.s, "acme", late.URL)
	second := st.publish(t, "acme", "user.activated.v1")
	eventually(t, 10*time.Second, "the later event", func() bool { return slices.Equal(late.ids(), []string{second.id}) })
	n, err := st.s.Replay(bg, "acme", e.ID, eventstore.Position{})
	if err != nil || n != 2 {
		t.Fatalf("replay from the start: %d, %v; want 2", n, err)
	}
	eventually(t, 10*time.Second, "the replayed events", func() bool {
		return slices.Equal(late.ids(), []string{first.id, second.id}) && len(late.requests()) == 3
	})
}

func TestTheDeliveryLogIsPagedNewestFirst(t *testing.T) {
	t.Parallel()
	st := start(t, nil, answering(http.StatusOK))
	for range 5 {
		st.publish(t, "acme", "user.activated.v1")
	}
	eventually(t, 10*time.Second, "the deliveries", func() bool { return allDelivered(t, st.s, st.e, 5) })
	var seen []eventstore.Position
	var before eventstore.Position
	for range 3 {
		page, next, err := st.s.Deliveries(bg, "acme", st.e.ID, webhooks.DeliveryPage{Before: before, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page {
			seen = append(seen, d.Position)
		}
		before = next
	}
	if len(seen) != 5 || !before.IsZero() || !slices.IsSortedFunc(seen, func(a, b eventstore.Position) int { return b.Compare(a) }) {
		t.Errorf("pages gave %v, then %v; want five positions, newest first, then the end", seen, before)
	}
	if d, _, _ := st.s.Deliveries(bg, "acme", st.e.ID, webhooks.DeliveryPage{State: webhooks.Failed}); len(d) != 0 {
		t.Errorf("failed deliveries: %+v", d)
	}
}

// allDelivered reports whether e has n deliveries, all delivered.
func allDelivered(t *testing.T, s *webhooks.Store, e webhooks.Endpoint, n int) bool {
	d := deliveries(t, s, e)
	return len(d) == n && !slices.ContainsFunc(d, func(d webhooks.Delivery) bool { return d.State != webhooks.Delivered })
}

// A fan-out that queues an event for an endpoint whose deletion is under
// way waits for it, and then queues nothing for it: no foreign key keeps
// a delivery from outliving its endpoint (see migration 00017), the
// fan-out's own lock of the endpoint's row does. The deletion is held open
// here, its two statements run by hand as DeleteEndpoint runs them, until
// the fan-out has either waited for it or gone past the event.
func TestAFanOutWaitsForAnEndpointsDeletionAndQueuesNothingForIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.storeWithDefaults()
	e, _ := endpoint(t, s, "acme", newReceiver(t, answering(http.StatusNoContent)).URL)
	deleting, err := w.pool.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer deleting.Rollback(bg) // a no-op once committed below
	for _, sql := range []string{`DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`,
		`DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2`} {
		if _, err := deleting.Exec(bg, sql, "acme", e.ID); err != nil {
			t.Fatal(err)
		}
	}
	run(t, s)
	p := w.publish(t, "acme", "user.activated.v1")
	passed := func() bool {
		var at uint64
		if err := w.pool.QueryRow(bg, `SELECT position_commit FROM webhook_fanout WHERE id = 1`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at >= p.at.Commit
	}
	// The fan-out's statement is known by its start: pg_stat_activity keeps
	// only the first kilobyte of a query.
	eventually(t, 20*time.Second, "the fan-out waiting for the deletion, or past the event", func() bool {
		var waiting bool
		if err := w.pool.QueryRow(bg, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH matched AS%')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		return waiting || passed()
	})
	if err := deleting.Commit(bg); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the fan-out past the event", passed)
	if left := w.deliveriesOf(t, "acme", e.ID); left != 0 {
		t.Errorf("%d deliveries of the deleted endpoint were queued", left)
	}
}
