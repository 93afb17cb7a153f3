package commands_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/sessionstore"
)

// Commands that carry their session check it as they store their events,
// also when many run at once and are stored together: a command whose
// session is gone (its guard fails) or no longer good on the state (its
// user blocked, or its sessions revoked since it was issued) stores nothing
// and fails with ErrSessionEnded, and the others are stored.
func TestCommandsCheckTheirSessionsWhenStoredTogether(t *testing.T) {
	f := newFixture(t)
	hs := startProcesses(f)
	createTenant(t, hs[0], "acme", domain.PresetHelpdesk, 100)
	invite(t, hs[0], "acme", "blocked", domain.RoleAdmin, true)
	if _, err := hs[0].BlockUser.Handle(ctx, env("acme"), domain.BlockUser{Actor: op, User: "blocked"}); err != nil {
		t.Fatal(err)
	}
	issued := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := f.pool.Exec(ctx, `INSERT INTO sessions (digest, tenant_id, user_id, issued_at, expires_at)
		VALUES ('live', 'acme', 'owner', $1, $2)`, issued, issued.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	sessions := []struct {
		name  string
		check commands.SessionCheck
		good  bool
	}{
		{"a live session", commands.SessionCheck{User: "owner", IssuedAt: issued, Guard: sessionstore.Guard("live", issued)}, true},
		{"a logged-out session", commands.SessionCheck{User: "owner", IssuedAt: issued, Guard: sessionstore.Guard("gone", issued)}, false},
		{"a blocked user's session", commands.SessionCheck{User: "blocked", IssuedAt: issued, Guard: sessionstore.Guard("live", issued)}, false},
		{"an expired session", commands.SessionCheck{User: "owner", IssuedAt: issued, Guard: sessionstore.Guard("live", issued.Add(2*time.Hour))}, false},
	}
	const n = 40
	outcomes := make([]error, n)
	race(n, func(i int) error {
		s := sessions[i%len(sessions)]
		e := env("acme")
		e.Session = &s.check
		id := domain.UserID(fmt.Sprintf("u-%d", i))
		_, outcomes[i] = hs[i%processes].InviteUser.Handle(ctx, e, commands.InviteUser{Actor: domain.UserActor("owner"), User: id,
			Email: string(id) + "@acme.test", Name: "U", Role: domain.RoleMember})
		return outcomes[i]
	})
	state := f.replayed("acme")
	for i, err := range outcomes {
		s := sessions[i%len(sessions)]
		_, stored := state.User(domain.UserID(fmt.Sprintf("u-%d", i)))
		if s.good != (err == nil) || stored != s.good || (!s.good && !errors.Is(err, commands.ErrSessionEnded)) {
			t.Errorf("command %d with %s: %v, stored %v", i, s.name, err, stored)
		}
	}
}

// A store that cannot check a precondition refuses the append rather than
// store events unchecked.
func TestKurrentDBRefusesAnAppendWithAPrecondition(t *testing.T) {
	f := newKurrentDBFixture(t)
	guarded := eventstore.WithPreconditions(ctx, sessionstore.Guard("any", time.Now()))
	_, err := f.store.Append(guarded, "tenant-x", eventstore.Any(), []eventstore.NewEvent{{ID: "0190d7a4-0000-7000-8000-000000000001",
		Type: "Probe", SchemaVersion: 1, Payload: []byte(`{}`), OccurredAt: time.Now()}})
	if !errors.Is(err, eventstore.ErrPreconditionUnsupported) {
		t.Fatalf("append with a precondition: %v, want ErrPreconditionUnsupported", err)
	}
	if n := f.streamLength("x"); n != 0 {
		t.Fatalf("%d events stored", n)
	}
}
