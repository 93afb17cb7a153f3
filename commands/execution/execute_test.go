package execution_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

func TestACommandAppendsItsEventsWithMetadata(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetHelpdesk, 10)
	invite(t, h, "acme", "ann", domain.RoleMember, true)
	e := execution.Envelope{Tenant: "acme", Reason: "left the company", CorrelationID: "corr-1", CausationID: "req-1"}
	res, err := h.DeactivateUser.Handle(ctx, e, domain.DeactivateUser{Actor: domain.UserActor("owner"), User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.User == nil || res.User.Status != domain.StatusInactive {
		t.Fatalf("result %+v", res)
	}
	if got := res.Events; len(got) != 2 || got[0] != "UserDeactivated" || got[1] != "SessionsRevoked" {
		t.Fatalf("events %v, want UserDeactivated then SessionsRevoked (helpdesk revokes sessions)", got)
	}
	stored, err := f.store.ReadStream(ctx, "tenant-acme", res.Version-2, 10)
	if err != nil || len(stored) != 2 {
		t.Fatalf("read back %d events (%v)", len(stored), err)
	}
	for i, rec := range stored { // each with its part of the command's events
		var meta domain.Metadata
		if err := json.Unmarshal(rec.Metadata, &meta); err != nil {
			t.Fatal(err)
		}
		want := domain.Metadata{Tenant: "acme", Actor: domain.UserActor("owner"), Reason: "left the company", CorrelationID: "corr-1", CausationID: "req-1",
			Part: &domain.Part{Index: i, Of: 2}}
		if !reflect.DeepEqual(meta, want) {
			t.Fatalf("metadata of event %d %+v (part %+v), want %+v (part %+v)", i, meta, meta.Part, want, want.Part)
		}
	}
	if stored[1].Position != res.Position {
		t.Fatalf("result position %s, last event at %s", res.Position, stored[1].Position)
	}
}

func TestANoOpAppendsNothingAndAnswersTheTenantsLastPosition(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetStrict, 10)
	invite(t, h, "acme", "ann", domain.RoleMember, true)
	first, err := h.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	length := f.streamLength("acme")
	again, err := h.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed || again.Position != first.Position || len(again.Events) != 0 {
		t.Fatalf("repeat answered %+v, want unchanged at %s", again, first.Position)
	}
	if f.streamLength("acme") != length {
		t.Fatal("a no-op appended events")
	}
}

func TestARefusalAppendsNothing(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetHelpdesk, 10)
	length := f.streamLength("acme")
	_, err := h.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "owner"})
	if codeOf(err) != domain.CodeSoleOwner {
		t.Fatalf("deactivating the only owner: %v, want sole_owner", err)
	}
	if f.streamLength("acme") != length {
		t.Fatal("a refusal appended events")
	}
}

// Another process's writes must neither turn a change into a false no-op nor
// a permitted command into a stale refusal.
func TestAStaleCacheNeverDecidesANoOpOrARefusal(t *testing.T) {
	f := newFixture(t)
	one, other := f.handlers(), f.handlers()
	createTenant(t, one, "acme", domain.PresetHelpdesk, 10)
	invite(t, one, "acme", "ann", domain.RoleMember, true)
	if _, err := other.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "ann"}); err != nil {
		t.Fatal(err)
	}
	// one's cache says ann is active: its decision conflicts at append, and
	// after catching up the answer is "already so", not a second deactivation.
	res, err := one.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "ann"})
	if err != nil || res.Changed {
		t.Fatalf("deactivate after another process did: %+v, %v; want unchanged", res, err)
	}
	// Now one's cache says ann is inactive, and other reactivates her: one's
	// "already inactive" no-op must be re-checked against the stream.
	if _, err := other.ReactivateUser.Handle(ctx, env("acme"), domain.ReactivateUser{Actor: op, User: "ann"}); err != nil {
		t.Fatal(err)
	}
	res, err = one.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "ann"})
	if err != nil || !res.Changed {
		t.Fatalf("deactivate of a user another process reactivated: %+v, %v; want a change", res, err)
	}
	// A refusal on a stale cache: one believes "owner" is the only owner.
	if _, err := one.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "owner"}); codeOf(err) != domain.CodeSoleOwner {
		t.Fatalf("got %v, want sole_owner", err)
	}
	invite(t, other, "acme", "bob", domain.RoleOwner, true)
	if _, err := one.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "owner"}); err != nil {
		t.Fatalf("deactivating an owner once another owner exists: %v", err)
	}
}

func TestCommandsOnUnknownTenantsAndBadEnvelopesAreRefused(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	if _, err := h.DeactivateUser.Handle(ctx, env("nobody"), domain.DeactivateUser{Actor: op, User: "ann"}); codeOf(err) != domain.CodeNotFound {
		t.Errorf("command on an absent tenant: %v, want not_found", err)
	}
	for _, e := range []execution.Envelope{{Tenant: "Upper"}, {Tenant: ""}, {Tenant: "acme", IdempotencyKey: "tab\tkey"}} {
		if _, err := h.ChangeSeats.Handle(ctx, e, domain.ChangeSeats{Actor: op, Seats: 3}); codeOf(err) != domain.CodeInvalid {
			t.Errorf("envelope %+v: %v, want invalid", e, err)
		}
	}
	_, err := h.InviteUser.Handle(ctx, env("acme"), commands.InviteUser{Actor: op, Email: "not-an-address", Name: "X", Role: domain.RoleMember})
	if codeOf(err) != domain.CodeInvalid {
		t.Errorf("invite with a bad e-mail: %v, want invalid", err)
	}
}

func TestTheWriteModelSurvivesAColdStartFromASnapshot(t *testing.T) {
	f := newFixture(t)
	h := f.handlers(func(c *execution.Config) { c.SnapshotEvery = 10 })
	createTenant(t, h, "acme", domain.PresetWorkManagement, 100)
	for _, id := range []domain.UserID{"a", "b", "c", "d", "e", "f", "g", "h"} {
		invite(t, h, "acme", id, domain.RoleMember, true)
		if _, err := h.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: id}); err != nil {
			t.Fatal(err)
		}
	}
	h.engine.Close() // waits for the snapshot writes
	var version int64
	if err := f.pool.QueryRow(ctx, "SELECT stream_version FROM snapshots WHERE stream_id = 'tenant-acme'").Scan(&version); err != nil {
		t.Fatalf("no snapshot was written: %v", err)
	}
	if version < 20 {
		t.Fatalf("latest snapshot at version %d of %d", version, f.streamLength("acme"))
	}
	cold := f.handlers()
	res, err := cold.ReactivateUser.Handle(ctx, env("acme"), domain.ReactivateUser{Actor: op, User: "c"})
	if err != nil || !res.Changed || res.User.Status != domain.StatusActive || res.Version != int64(f.streamLength("acme")) {
		t.Fatalf("reactivate after a cold start: %+v, %v", res, err)
	}
	want, _ := f.replayed("acme").User("c")
	if res.User.Version != want.Version || res.User.Status != want.Status {
		t.Fatalf("snapshot-loaded user %+v, replayed %+v", *res.User, want)
	}
}
