package execution_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

func keyed(tenant domain.TenantID, key string) execution.Envelope {
	return execution.Envelope{Tenant: tenant, IdempotencyKey: key}
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
// creation must find the user it created, not make a second one. The retry
// answers with the first attempt's outcome (API.md: "returns the first
// response"). On KurrentDB, which recognises event ids only at the expected
// revision they were first appended with, this is the executor's doing.
func TestARetryAfterACrashMidRequestAppliesNothingTwice(t *testing.T) {
	onEachStore(t, func(t *testing.T, f *fixture) {
		h := f.handlers()
		createTenant(t, h, "acme", domain.PresetStrict, 10)
		in := commands.InviteUser{Actor: op, Email: "new@acme.test", Name: "New", Role: domain.RoleMember}
		first, err := h.InviteUser.Handle(ctx, keyed("acme", "crash"), in)
		if err != nil {
			t.Fatal(err)
		}
		revoke := domain.RevokeSessions{Actor: op, User: first.User.ID}
		revoked, err := h.RevokeSessions.Handle(ctx, keyed("acme", "crash-2"), revoke)
		if err != nil {
			t.Fatal(err)
		}
		// Other commands land between the first attempts and the retries.
		invite(t, h, "acme", "someone", domain.RoleMember, true)
		if _, err := f.pool.Exec(ctx, "UPDATE idempotency_keys SET outcome = NULL"); err != nil { // the crash
			t.Fatal(err)
		}
		length := f.streamLength("acme")
		retry := f.handlers()
		again, err := retry.InviteUser.Handle(ctx, keyed("acme", "crash"), in)
		if err != nil || again.User == nil || again.User.ID != first.User.ID || !again.Changed ||
			again.Position != first.Position || again.First != first.First {
			t.Fatalf("retried creation: %+v, %v; want the first outcome %+v", again, err, first)
		}
		revokedAgain, err := retry.RevokeSessions.Handle(ctx, keyed("acme", "crash-2"), revoke)
		if err != nil || !revokedAgain.Changed || revokedAgain.Position != revoked.Position {
			t.Fatalf("retried revocation: %+v, %v; want the first outcome %+v", revokedAgain, err, revoked)
		}
		if n := f.streamLength("acme"); n != length {
			t.Fatalf("the retries appended %d events", n-length)
		}
	})
}

// The same keyed request sent many times at once to several processes,
// while other commands keep moving the stream (so decisions go stale and
// appends conflict): its events are stored once, and every answer is the
// first response (or its stored replay).
func TestConcurrentRepeatsOfAKeyedRequestStoreItsEventsOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, f *fixture) {
		hs := startProcesses(f)
		createTenant(t, hs[0], "acme", domain.PresetHelpdesk, 100)
		for key := range 10 {
			in := commands.InviteUser{Actor: op, Email: fmt.Sprintf("new%d@acme.test", key), Name: "New", Role: domain.RoleMember, Activate: true}
			results := make([]execution.Result, 3*processes)
			outcomes := race(len(results)+processes, func(i int) error {
				if i >= len(results) { // the traffic that makes caches stale
					id := domain.UserID(fmt.Sprintf("other-%d-%d", key, i))
					_, err := hs[i%processes].InviteUser.Handle(ctx, env("acme"), commands.InviteUser{Actor: op, User: id,
						Email: string(id) + "@acme.test", Name: "Other", Role: domain.RoleMember})
					return err
				}
				var err error
				results[i], err = hs[i%processes].InviteUser.Handle(ctx, keyed("acme", fmt.Sprintf("key-%d", key)), in)
				return err
			})
			if outcomes[""] != len(results)+processes {
				t.Fatalf("key %d: outcomes %v, want all successful", key, outcomes)
			}
			for i, res := range results {
				if !res.Changed || res.User == nil || res.User.ID != results[0].User.ID || res.Position != results[0].Position {
					t.Fatalf("key %d: answer %d is %+v; want the first response %+v", key, i, res, results[0])
				}
			}
		}
		events, err := f.store.ReadStream(ctx, domain.TenantStream("acme"), 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		invitations := 0
		for _, e := range events {
			if e.Type == "UserInvited" {
				invitations++
			}
		}
		if want := 1 + 10 + 10*processes; invitations != want { // the owner's, the keyed ones, the others
			t.Fatalf("%d invitations stored, want %d: a keyed one was stored twice", invitations, want)
		}
	})
}

// A refusal that says only how things stand now (too many wrong passwords:
// try again later) is not the key's outcome: the same request, repeated
// with its key once the limit has passed, is carried out instead of being
// answered with the old 429 for a day.
func TestAPassingRefusalIsNotKeptAsTheKeysOutcome(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetStrict, 10)
	limited := true
	in := commands.SetPassword{Actor: domain.UserActor("owner"), User: "owner", Password: "violet tractor umbrella",
		ConfirmCurrent: func(context.Context) error {
			if limited {
				return domain.NewError(domain.CodeRateLimited, "too many wrong passwords; retry in 1 s")
			}
			return nil
		}}
	if _, err := h.SetPassword.Handle(ctx, keyed("acme", "k-limited"), in); codeOf(err) != domain.CodeRateLimited {
		t.Fatalf("first attempt: %v, want rate_limited", err)
	}
	limited = false
	res, err := h.SetPassword.Handle(ctx, keyed("acme", "k-limited"), in)
	if err != nil || !res.Changed || res.Replayed {
		t.Fatalf("the repeat once the limit passed: %+v, %v; want the password set, not the 429 replayed", res, err)
	}
	if again, err := h.SetPassword.Handle(ctx, keyed("acme", "k-limited"), in); err != nil || !again.Replayed {
		t.Fatalf("a third time: %+v, %v; want the change replayed", again, err)
	}
}
