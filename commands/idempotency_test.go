package commands_test

import (
	"testing"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/domain"
)

func keyed(tenant domain.TenantID, key string) commands.Envelope {
	return commands.Envelope{Tenant: tenant, IdempotencyKey: key}
}

func TestARepeatedIdempotencyKeyReplaysTheFirstOutcome(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetStrict, 10)
	in := commands.InviteUser{Actor: op, Email: "new@acme.test", Name: "New", Role: domain.RoleMember, Activate: true}
	first, err := h.InviteUser.Handle(ctx, keyed("acme", "k-1"), in)
	if err != nil || !first.Changed {
		t.Fatalf("first: %+v, %v", first, err)
	}
	length := f.streamLength("acme")
	again, err := h.InviteUser.Handle(ctx, keyed("acme", "k-1"), in)
	if err != nil || !again.Replayed || again.User.ID != first.User.ID || again.Position != first.Position {
		t.Fatalf("repeat: %+v, %v; want the first outcome replayed", again, err)
	}
	if f.streamLength("acme") != length {
		t.Fatal("the repeat appended events")
	}
	other := in
	other.Name = "Someone Else"
	if _, err := h.InviteUser.Handle(ctx, keyed("acme", "k-1"), other); codeOf(err) != domain.CodeIdempotencyKeyReused {
		t.Fatalf("same key, other body: %v, want idempotency_key_reused", err)
	}
	if _, err := h.InviteUser.Handle(ctx, keyed("other-tenant", "k-1"), in); codeOf(err) != domain.CodeNotFound {
		t.Fatalf("the same key in another tenant is another key: %v, want this tenant's not_found", err)
	}
}

func TestARefusalIsReplayedAsTheSameRefusal(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetHelpdesk, 10)
	for range 2 {
		_, err := h.DeactivateUser.Handle(ctx, keyed("acme", "k-2"), domain.DeactivateUser{Actor: op, User: "owner"})
		if codeOf(err) != domain.CodeSoleOwner {
			t.Fatalf("got %v, want sole_owner both times", err)
		}
	}
}

// A request that appended its events but died before recording its outcome
// is retried (here by another process): nothing may be applied twice, and a
// creation must find the user it created, not make a second one.
func TestARetryAfterACrashMidRequestAppliesNothingTwice(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetStrict, 10)
	in := commands.InviteUser{Actor: op, Email: "new@acme.test", Name: "New", Role: domain.RoleMember}
	first, err := h.InviteUser.Handle(ctx, keyed("acme", "crash"), in)
	if err != nil {
		t.Fatal(err)
	}
	revoke := domain.RevokeSessions{Actor: op, User: first.User.ID}
	if _, err := h.RevokeSessions.Handle(ctx, keyed("acme", "crash-2"), revoke); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, "UPDATE idempotency_keys SET outcome = NULL"); err != nil { // the crash
		t.Fatal(err)
	}
	length := f.streamLength("acme")
	retry := f.handlers()
	again, err := retry.InviteUser.Handle(ctx, keyed("acme", "crash"), in)
	if err != nil || again.User == nil || again.User.ID != first.User.ID {
		t.Fatalf("retried creation: %+v, %v; want user %s found", again, err, first.User.ID)
	}
	if _, err := retry.RevokeSessions.Handle(ctx, keyed("acme", "crash-2"), revoke); err != nil {
		t.Fatalf("retried revocation: %v", err)
	}
	if n := f.streamLength("acme"); n != length {
		t.Fatalf("the retries appended %d events", n-length)
	}
}
