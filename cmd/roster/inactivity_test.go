package main

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/wiring"
)

// movingClock is a clock a test moves on; it starts at the real now.
type movingClock struct{ offset atomic.Int64 }

func (c *movingClock) Now() time.Time                { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *movingClock) advance(days int)              { c.offset.Add(int64(time.Duration(days) * 24 * time.Hour)) }
func (c *movingClock) settings() wiring.Access       { a := testAccess; a.Clock = c.Now; return a }
func eventsAbout(e map[string]any, user string) bool { return e["user"] == user }

// deactivationsOf counts the UserDeactivated events of user in tenant's
// stream, and reads their reasons.
func deactivationsOf(t *testing.T, svc *wiring.Services, tenant, user string) (int, []string) {
	t.Helper()
	events, err := svc.Events.ReadStream(bg, domain.TenantStream(domain.TenantID(tenant)), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	n, reasons := 0, []string{}
	for _, e := range events {
		var payload map[string]any
		var meta domain.Metadata
		if e.Type != "UserDeactivated" || json.Unmarshal(e.Payload, &payload) != nil || !eventsAbout(payload, user) {
			continue
		}
		if err := json.Unmarshal(e.Metadata, &meta); err != nil {
			t.Fatal(err)
		}
		n, reasons = n+1, append(reasons, meta.Reason)
	}
	return n, reasons
}

// Automatic deactivation, driven by an injected clock 91 days on, under a
// knob of 90: a user who never logged in since their activation is
// deactivated exactly once although two processes pass at the same time,
// with a reason that says why; a user who logged in since is left alone;
// the sole owner is refused, and the list of users past the limit shows
// why; a tenant whose knob is 0 loses nobody.
func TestAutomaticDeactivationOfUsersWhoNoLongerLogIn(t *testing.T) {
	t.Parallel()
	clock := &movingClock{}
	svc, server := serviceWith(t, clock.settings())
	other := servicesOn(t, svc.Pool, svc.Key, clock.settings()) // a second process on the same database
	base := server.URL
	httpTenant(t, base, "acme", "strict", 10, obj{"deactivate_after_days_without_login": 90})
	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "bob", "member", "member")
	httpTenant(t, base, "globex", "strict", 10, nil)
	httpUser(t, base, "globex", "zed", "member", "member")

	clock.advance(91)
	httpLogin(t, base, "acme", "bob") // a login resets bob's count
	// The scheduler finds who is due in the read models: let them catch up.
	position := expect(t, "a write to wait for", call(t, base, "PUT", "/v1/tenants/globex/teams/red", "op-token", obj{"name": "Red"}), 200, "").str("position")
	expect(t, "caught up", call(t, base, "GET", "/v1/tenants/acme/users?min_position="+position, "op-token", nil), 200, "")

	var wg sync.WaitGroup
	for _, s := range []*wiring.Services{svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Inactivity.Tick(bg); err != nil {
				t.Errorf("tick: %v", err)
			}
		}()
	}
	wg.Wait()

	if n, reasons := deactivationsOf(t, svc, "acme", "ann"); n != 1 || !strings.Contains(reasons[0], "no login for 90 days") {
		t.Fatalf("ann was deactivated %d times (%q), want once, saying why", n, reasons)
	}
	if n, _ := deactivationsOf(t, svc, "acme", "boss"); n != 0 {
		t.Errorf("the sole owner was deactivated %d times", n)
	}
	if n, _ := deactivationsOf(t, svc, "acme", "bob"); n != 0 {
		t.Errorf("bob, who logged in, was deactivated %d times", n)
	}
	if n, _ := deactivationsOf(t, svc, "globex", "zed"); n != 0 {
		t.Errorf("zed, of a tenant whose knob is 0, was deactivated %d times", n)
	}
	// The list of users past the limit shows the sole owner, and why the
	// policy kept them; ann is no longer in it, bob never was.
	position = expect(t, "a later write", call(t, base, "PUT", "/v1/tenants/acme/teams/red", "op-token", obj{"name": "Red"}), 200, "").str("position")
	list := expect(t, "past the limit", call(t, base, "GET", "/v1/tenants/acme/users?inactive_days=90&min_position="+position, "op-token", nil), 200, "")
	var page struct {
		Items []struct {
			ID      string `json:"id"`
			Refused *struct {
				Code string `json:"code"`
			} `json:"deactivation_refused"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(list.Raw), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != "boss" || page.Items[0].Refused == nil || page.Items[0].Refused.Code != "sole_owner" {
		t.Errorf("users past 90 days: %s, want boss alone, refused with sole_owner", list.Raw)
	}
	deactivated, refused := svc.Inactivity.Stats()
	d2, r2 := other.Inactivity.Stats()
	if deactivated+d2 != 1 || refused+r2 < 1 {
		t.Errorf("the two schedulers counted %d deactivations and %d refusals, want 1 and at least 1", deactivated+d2, refused+r2)
	}
}
