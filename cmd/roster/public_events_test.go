package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/publicevents"
)

// pullAll reads a pull feed (path, with its query) from its start to its
// end, limit events a page, and returns every event and the last cursor.
func pullAll(t *testing.T, base, path, token string, limit int) ([]map[string]any, []json.RawMessage, string) {
	t.Helper()
	var events []map[string]any
	var raws []json.RawMessage
	cursor := ""
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for {
		page := expect(t, "a page of "+path, call(t, base, "GET", path+sep+"limit="+itoa(limit)+"&after="+url.QueryEscape(cursor), token, nil),
			http.StatusOK, "")
		var body struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(page.Raw), &body); err != nil {
			t.Fatal(err)
		}
		for _, raw := range body.Items {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			events, raws = append(events, m), append(raws, raw)
		}
		if len(body.Items) == 0 {
			return events, raws, body.NextCursor
		}
		cursor = body.NextCursor
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// derived is what the public event log must hold for the event store's
// whole history: publicevents.Derive over every stored event, in the
// feed's order, with personal data unsealed as the projectors see it.
func derived(t *testing.T, svc *wiring.Services) []json.RawMessage {
	t.Helper()
	var all []projections.Event
	var after eventstore.Position
	for {
		batch, err := svc.Sealed.ReadAll(bg, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			break
		}
		for _, rec := range batch {
			e, err := projectionfeed.Decode(rec)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, e)
		}
		after = batch[len(batch)-1].Position
	}
	told, err := publicevents.Derive(all)
	if err != nil {
		t.Fatal(err)
	}
	return told
}

// consequence finds the consequence of kind in a public event's data.
func consequence(event map[string]any, kind string) map[string]any {
	data, _ := event["data"].(map[string]any)
	list, _ := data["consequences"].([]any)
	for _, c := range list {
		if m, _ := c.(map[string]any); m["kind"] == kind {
			return m
		}
	}
	return nil
}

// A deactivation with a hand-off is told as one user.deactivated.v1: the
// user's new status and the consequences its reply listed (the sessions
// revoked, the seat freed, the work moved), and the policy's instruction to
// cancel subscriptions; every event is CloudEvents 1.0 with
// an id, the tenant and a sequence increasing per subject; the feed read
// from its start page by page equals what the event store's history
// derives; after a deletion, nothing in the feed names the person.
func TestThePullFeedTellsEachCommandOnceWithItsConsequences(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "shop", "helpdesk", 10, obj{"deletion_allowed": true, "deactivate_cancels_subscriptions": true})
	httpUser(t, base, "shop", "ann", "member", "member")
	httpUser(t, base, "shop", "olga", "member", "member")
	httpLogin(t, base, "shop", "ann")
	for _, step := range []struct{ method, path string }{
		{"PUT", "/teams/red"}, {"PUT", "/teams/red/members/ann"}, {"PUT", "/teams/red/leader"}, {"PUT", "/work/job-1"}, {"PUT", "/work/job-2"},
	} {
		body := map[string]obj{"/teams/red": {"name": "Red"}, "/teams/red/leader": {"user": "ann"},
			"/work/job-1": {"kind": "job", "assignee": "ann"}, "/work/job-2": {"kind": "job", "assignee": "ann"}, "/teams/red/members/ann": {}}[step.path]
		expect(t, step.path, call(t, base, step.method, "/v1/tenants/shop"+step.path, boss, body), http.StatusOK, "")
	}
	reply := expect(t, "deactivate ann", call(t, base, "POST", "/v1/tenants/shop/users/ann/deactivate", boss,
		obj{"reason": "left the company", "handoff_to": "olga"}), http.StatusOK, "")
	last := expect(t, "delete ann", call(t, base, "DELETE", "/v1/tenants/shop/users/ann", boss, nil), http.StatusOK, "")

	events, raws, _ := pullAll(t, base, "/v1/tenants/shop/events?min_position="+last.str("position"), boss, 3)
	var deactivated map[string]any
	sequences := map[any]float64{}
	for _, e := range events {
		if e["specversion"] != "1.0" || e["id"] == "" || e["tenant"] != "shop" || e["source"] != "/v1/tenants/shop" || e["time"] == nil {
			t.Fatalf("not a CloudEvent of shop: %v", e)
		}
		seq, _ := e["sequence"].(float64)
		if e["subject"] != nil && seq <= sequences[e["subject"]] {
			t.Fatalf("sequence of %v does not increase: %v", e["subject"], e)
		}
		sequences[e["subject"]] = seq
		if e["type"] == "user.deactivated.v1" {
			deactivated = e
		}
	}
	if deactivated == nil {
		t.Fatalf("no user.deactivated.v1 in %d events", len(events))
	}
	data := deactivated["data"].(map[string]any)
	if deactivated["subject"] != "ann" || data["status"] != "inactive" || data["cancel_subscriptions"] != true ||
		data["reason"] != "left the company" || data["actor"] != "boss" {
		t.Fatalf("the deactivation: %v", deactivated)
	}
	for _, kind := range []string{"status_changed", "sessions_revoked", "seat_freed", "work_moved"} {
		if consequence(deactivated, kind) == nil {
			t.Errorf("the deactivation lacks %s: %v", kind, data["consequences"])
		}
	}
	// As the reply listed them, but for the number of sessions.
	listed := reply.Body["consequences"].([]any)
	for _, c := range listed {
		delete(c.(map[string]any), "count")
	}
	if !reflect.DeepEqual(data["consequences"], listed) {
		t.Errorf("the deactivation's consequences %v, the reply's %v", data["consequences"], listed)
	}
	if got, want := raws, derived(t, svc); !slices.EqualFunc(got, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		t.Fatalf("the feed (%d events) differs from the history's derivation (%d)", len(got), len(want))
	}
	for _, raw := range raws {
		for _, personal := range []string{"ann@shop.example", "User ann", "pass phrase"} {
			if bytes.Contains(raw, []byte(personal)) {
				t.Fatalf("the feed names %q: %s", personal, raw)
			}
		}
	}
}

// The pull feed filters by type, waits for what comes next when asked
// (an empty page with wait returns as soon as a matching event is told),
// refuses what it cannot read with 400 naming the parameter, and lets the
// operator read every tenant's events in one feed.
func TestThePullFeedFiltersWaitsAndSpansTenants(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 10, nil)
	httpTenant(t, base, "globex", "strict", 10, nil)
	invited := httpUser(t, base, "acme", "ann", "member", "member")

	feed := "/v1/tenants/acme/events?min_position=" + invited.str("position")
	all, _, cursor := pullAll(t, base, feed, boss, 50)
	invites, _, _ := pullAll(t, base, feed+"&type=user.invited.v1", boss, 50)
	if len(invites) != 1 || len(all) != 2 { // the tenant (its owner with it), then ann
		t.Fatalf("%d invitations of %d events", len(invites), len(all))
	}
	for _, e := range invites {
		if e["type"] != "user.invited.v1" {
			t.Fatalf("the filter let through %v", e["type"])
		}
	}

	waited := make(chan reply, 1)
	go func() {
		r, err := send(http.DefaultClient, base, "GET", "/v1/tenants/acme/events?type=user.deactivated.v1&wait=20&after="+url.QueryEscape(cursor), boss, nil)
		if err != nil {
			r.Raw = err.Error()
		}
		waited <- r
	}()
	expect(t, "a login, which the waiting page does not want", call(t, base, "POST", "/v1/tenants/acme/sessions", "",
		obj{"email": "ann@acme.example", "password": passwordOf("ann")}), http.StatusCreated, "")
	expect(t, "deactivate ann", call(t, base, "POST", "/v1/tenants/acme/users/ann/deactivate", boss, obj{}), http.StatusOK, "")
	r := <-waited
	items, _ := r.Body["items"].([]any)
	if r.Status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["type"] != "user.deactivated.v1" {
		t.Fatalf("the waiting page: %d %s", r.Status, r.Raw)
	}

	start := time.Now()
	empty := expect(t, "a page nothing comes to", call(t, base, "GET", "/v1/tenants/acme/events?type=user.deleted.v1&wait=1", boss, nil), http.StatusOK, "")
	if items, _ := empty.Body["items"].([]any); len(items) != 0 || time.Since(start) < time.Second {
		t.Fatalf("an empty page with wait=1 answered after %s: %s", time.Since(start), empty.Raw)
	}

	for query, field := range map[string]string{"after=yesterday": "after", "type=user.exploded.v1": "type", "wait=31": "wait",
		"wait=-1": "wait", "wait=1.5": "wait", "limit=0": "limit"} {
		expectInvalidParam(t, query, call(t, base, "GET", "/v1/tenants/acme/events?"+query, boss, nil), field)
	}

	everyone, _, _ := pullAll(t, base, "/v1/events?type=tenant.created.v1", "op-token", 1)
	var tenants []string
	for _, e := range everyone {
		tenants = append(tenants, e["tenant"].(string))
	}
	if !slices.Contains(tenants, "acme") || !slices.Contains(tenants, "globex") {
		t.Fatalf("the operator's feed holds the creation of %v", tenants)
	}
}
