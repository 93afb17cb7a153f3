package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections/audit"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
)

var ctx = context.Background()

// expected is what one audit entry must say, before names are resolved.
type expected struct {
	action, actor, target string
	at                    time.Time
}

func (x expected) String() string { return x.action + " by " + x.actor + " on " + x.target }

// tenant drives one tenant's write model and records the entries its
// events must produce, appending each command's events with the command's
// actor and reason in their metadata, as the command handlers do.
type tenant struct {
	w     *projectiontest.World
	id    domain.TenantID
	state *domain.Tenant
	want  []expected
	last  eventstore.Position
}

func (tn *tenant) do(reason string, cmd domain.Command) {
	tn.w.T.Helper()
	events, err := domain.Decide(tn.state, cmd)
	if err != nil {
		tn.w.T.Fatalf("%T: %v", cmd, err)
	}
	meta, _ := json.Marshal(domain.Metadata{Tenant: tn.id, Actor: domain.ActorOf(cmd), Reason: reason})
	batch := make([]eventstore.NewEvent, len(events))
	for i, e := range events {
		domain.Evolve(tn.state, e)
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			tn.w.T.Fatal(err)
		}
		v, _ := domain.SchemaVersion(e.EventType())
		tn.w.Now = tn.w.Now.Add(time.Second)
		batch[i] = eventstore.NewEvent{ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: v, Payload: payload, Metadata: meta, OccurredAt: tn.w.Now}
		x := expected{action: e.EventType(), actor: string(domain.ActorOf(cmd).User), at: tn.w.Now}
		if s := domain.Subjects(e); len(s) > 0 {
			x.target = string(s[0])
		}
		tn.want = append(tn.want, x)
	}
	res, err := tn.w.Store.Append(ctx, "tenant-"+string(tn.id), eventstore.Any(), batch)
	if err != nil {
		tn.w.T.Fatal(err)
	}
	tn.last = res.Position
}

func pii(id domain.UserID) domain.PersonalData {
	return domain.PersonalData{Email: string(id) + "@acme.test", Name: nameOf(id)}
}

func nameOf(id domain.UserID) string { return "Person " + strings.ToUpper(string(id)) }

// history: zed, an admin, invites bob and deactivates amy; then the owner
// revokes zed's sessions, demotes and deletes zed; bob acts afterwards. A
// second tenant has a zed of its own who is never deleted.
func history(w *projectiontest.World) *tenant {
	op, zed, owner := domain.OperatorActor(), domain.UserActor("zed"), domain.UserActor("owner")
	other := &tenant{w: w, id: "globex", state: &domain.Tenant{}}
	other.do("", domain.CreateTenant{Actor: op, Tenant: "globex", Name: "Globex", Preset: domain.PresetStrict, Seats: 10,
		Owner: domain.OwnerAccount{User: "zed", PII: pii("zed"), EmailIndex: "zed"}})
	tn := &tenant{w: w, id: "acme", state: &domain.Tenant{}}
	tn.do("", domain.CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Preset: domain.PresetStrict, Seats: 100,
		Owner: domain.OwnerAccount{User: "owner", PII: pii("owner"), EmailIndex: "owner"}})
	for _, id := range []domain.UserID{"zed", "amy"} {
		role := map[domain.UserID]domain.Role{"zed": domain.RoleAdmin, "amy": domain.RoleMember}[id]
		tn.do("", domain.InviteUser{Actor: op, User: id, PII: pii(id), EmailIndex: string(id), Role: role, Kind: domain.KindMember, Activate: true})
	}
	tn.do("new hire", domain.InviteUser{Actor: zed, User: "bob", PII: pii("bob"), EmailIndex: "bob", Role: domain.RoleMember, Kind: domain.KindMember, Activate: true})
	tn.do("left the company", domain.DeactivateUser{Actor: zed, User: "amy", At: w.Now})
	tn.do("suspicious login", domain.RevokeSessions{Actor: owner, User: "zed", At: w.Now, Reason: "suspicious login"})
	tn.do("", domain.ChangeRole{Actor: owner, User: "zed", Role: domain.RoleMember})
	tn.do("", domain.DeleteUser{Actor: owner, User: "zed", Reason: "erasure request"})
	tn.do("", domain.RevokeSessions{Actor: domain.UserActor("bob"), User: "bob", At: w.Now})
	w.WaitFor(w.Project(tenants.New(), users.New(), audit.New()), maxPosition(tn.last, other.last), tenants.Table, users.Table, audit.Table)
	return tn
}

func maxPosition(p, q eventstore.Position) eventstore.Position {
	if p.Compare(q) > 0 {
		return p
	}
	return q
}

// shown is the name an id must read as: zed is deleted in acme.
func shown(id string) string {
	switch id {
	case "":
		return audit.OperatorName
	case "zed":
		return domain.DeletedUserName
	}
	return nameOf(domain.UserID(id))
}

// check compares entries with what they must say, names included.
func check(t *testing.T, what string, got []audit.Entry, want []expected) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i, e := range got {
		x := want[i]
		target, targetName := "", ""
		if e.Target != nil {
			target, targetName = string(e.Target.ID), e.Target.Name
		}
		if e.Action != x.action || string(e.Actor.ID) != x.actor || target != x.target || !e.At.Equal(x.at) ||
			e.Actor.Name != shown(x.actor) || (x.target != "" && targetName != shown(x.target)) {
			t.Errorf("%s: entry %d reads %s by %s %q on %s %q at %s, want %s at %s", what, i, e.Action,
				e.Actor.ID, e.Actor.Name, target, targetName, e.At, x, x.at)
		}
	}
}

// listAll pages through f with limit, checking the cursors move forward.
func listAll(t *testing.T, w *projectiontest.World, f audit.Filter, limit int) []audit.Entry {
	t.Helper()
	f.Limit, f.After = limit, ""
	var all []audit.Entry
	for pages := 1; ; pages++ {
		page, next, err := audit.List(ctx, w.Pool, f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		if len(page) > limit || (next != "" && len(page) != limit) || pages > 100 {
			t.Fatalf("page %d of %d entries (next %q) with limit %d", pages, len(page), next, limit)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.After = next
	}
}

func TestADeletedUserReadsDeletedUserInEveryEntryAsActorOrTarget(t *testing.T) {
	w := projectiontest.New(t)
	tn := history(w)
	entries := listAll(t, w, audit.Filter{Tenant: "acme"}, 500)
	check(t, "the whole trail", entries, tn.want)
	byZed, onZed := 0, 0
	for _, e := range entries {
		if e.Actor.ID == "zed" {
			byZed++
		}
		if e.Target != nil && e.Target.ID == "zed" {
			onZed++
		}
	}
	if byZed < 2 || onZed < 3 {
		t.Fatalf("the history should have zed acting (%d entries) and acted on (%d)", byZed, onZed)
	}
	globex := listAll(t, w, audit.Filter{Tenant: "globex", Target: "zed"}, 500)
	if len(globex) == 0 || globex[0].Target.Name != nameOf("zed") {
		t.Errorf("another tenant's zed, never deleted, reads %+v", globex)
	}
	var leaks int
	if err := w.Pool.QueryRow(ctx, `SELECT count(*) FROM `+audit.Table+` a WHERE a::text ~ '@acme\.test|Person '`).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("%d audit rows hold a name or an e-mail (%v)", leaks, err)
	}
	reasons := map[string]string{}
	for _, e := range entries {
		if e.Target != nil && e.Target.ID == "amy" {
			reasons[e.Action] = e.Reason
		}
	}
	if reasons["UserDeactivated"] != "left the company" || reasons["SessionsRevoked"] != domain.ReasonDeactivated {
		t.Errorf("amy's deactivation reads reasons %v", reasons)
	}
	operator, _ := json.Marshal(entries[0])
	if !strings.Contains(string(operator), `"actor":{"id":null,"name":"Operator"}`) {
		t.Errorf("an operator entry renders %s", operator)
	}
}

func TestFiltersSelectAndPageToTheLastPage(t *testing.T) {
	w := projectiontest.New(t)
	tn := history(w)
	from, to := tn.want[4].at, tn.want[9].at
	for name, c := range map[string]struct {
		f    audit.Filter
		keep func(expected) bool
	}{
		"everything":  {audit.Filter{}, func(expected) bool { return true }},
		"by zed":      {audit.Filter{Actor: "zed"}, func(x expected) bool { return x.actor == "zed" }},
		"on zed":      {audit.Filter{Target: "zed"}, func(x expected) bool { return x.target == "zed" }},
		"on amy":      {audit.Filter{Target: "amy"}, func(x expected) bool { return x.target == "amy" }},
		"revocations": {audit.Filter{Action: "SessionsRevoked"}, func(x expected) bool { return x.action == "SessionsRevoked" }},
		"from":        {audit.Filter{From: from}, func(x expected) bool { return !x.at.Before(from) }},
		"to":          {audit.Filter{To: to}, func(x expected) bool { return x.at.Before(to) }},
		"between":     {audit.Filter{From: from, To: to}, func(x expected) bool { return !x.at.Before(from) && x.at.Before(to) }},
		"combined": {audit.Filter{Actor: "owner", Target: "zed", Action: "SessionsRevoked"}, func(x expected) bool {
			return x.actor == "owner" && x.target == "zed" && x.action == "SessionsRevoked"
		}},
	} {
		var want []expected
		for _, x := range tn.want {
			if c.keep(x) {
				want = append(want, x)
			}
		}
		if len(want) == 0 {
			t.Fatalf("%s: the history has no entry to find", name)
		}
		c.f.Tenant = "acme"
		for _, limit := range []int{1, 3, 500} {
			check(t, fmt.Sprintf("%s, pages of %d", name, limit), listAll(t, w, c.f, limit), want)
		}
	}
	if _, _, err := audit.List(ctx, w.Pool, audit.Filter{Tenant: "acme", After: "nope"}); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}

func TestTheCSVExportStreamsOneRowPerEntryAfterItsHeader(t *testing.T) {
	w := projectiontest.New(t)
	tn := history(w)
	var out bytes.Buffer
	err := audit.WriteCSV(&out, func(emit func(audit.Entry) error) error {
		return audit.Export(ctx, w.Pool, audit.Filter{Tenant: "acme"}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(records) != len(tn.want)+1 || strings.Join(records[0], ",") !=
		"position,at,action,actor_id,actor_name,target_id,target_name,reason,details,hash" {
		t.Fatalf("%d records (%v), want a header and %d rows: %q", len(records), err, len(tn.want), records)
	}
	for i, r := range records[1:] {
		x := tn.want[i]
		if r[2] != x.action || r[3] != x.actor || r[4] != shown(x.actor) || r[5] != x.target ||
			(x.target != "" && r[6] != shown(x.target)) || !json.Valid([]byte(r[8])) || len(r[9]) != 64 {
			t.Errorf("row %d: %q, want %s", i+1, r, x)
		}
	}
	if strings.Contains(text, "Person ZED") || strings.Contains(text, "zed@acme.test") {
		t.Error("the export names the deleted user")
	}
	if !strings.Contains(text, "left the company") {
		t.Errorf("the export lost a reason:\n%s", text)
	}
}

// The largest position is a cursor (after it, nothing), one more is a
// malformed one, and filters of 10 kB select nothing: none of them is an
// error of the database.
func TestExtremeCursorsAndFiltersAnswerWithoutADatabaseError(t *testing.T) {
	w := projectiontest.New(t)
	history(w)
	for name, f := range map[string]audit.Filter{
		"after the largest position": {After: "18446744073709551615-18446744073709551615"},
		"an actor of 10 kB":          {Actor: strings.Repeat("a", 10240)},
		"an action of 10 kB":         {Action: strings.Repeat("é", 5120)},
	} {
		f.Tenant, f.Limit = "acme", 10
		if page, next, err := audit.List(ctx, w.Pool, f); err != nil || len(page) != 0 || next != "" {
			t.Errorf("%s: %d entries, next %q (%v), want none", name, len(page), next, err)
		}
	}
	if _, _, err := audit.List(ctx, w.Pool, audit.Filter{Tenant: "acme", Limit: 10, After: "18446744073709551616-0"}); !errors.Is(err, audit.ErrBadCursor) {
		t.Errorf("a cursor past the largest position: %v, want ErrBadCursor", err)
	}
}
