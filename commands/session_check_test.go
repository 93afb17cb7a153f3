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
	sessions := sessionsOfEveryKind(t, f, hs[0])
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

// sessionCase is a session a command may carry, and whether it is good.
type sessionCase struct {
	name  string
	check commands.SessionCheck
	good  bool
}

// sessionsOfEveryKind makes tenant acme (owner "owner", and "blocked", a
// blocked admin) and a live session of the owner, and returns a session of
// each kind: live, logged out, of a blocked user, expired.
func sessionsOfEveryKind(t *testing.T, f *fixture, h *commands.Handlers) []sessionCase {
	t.Helper()
	createTenant(t, h, "acme", domain.PresetHelpdesk, 100)
	invite(t, h, "acme", "blocked", domain.RoleAdmin, true)
	if _, err := h.BlockUser.Handle(ctx, env("acme"), domain.BlockUser{Actor: op, User: "blocked"}); err != nil {
		t.Fatal(err)
	}
	issued := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := f.pool.Exec(ctx, `INSERT INTO sessions (digest, tenant_id, user_id, issued_at, expires_at)
		VALUES ('live', 'acme', 'owner', $1, $2)`, issued, issued.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return []sessionCase{
		{"a live session", commands.SessionCheck{User: "owner", IssuedAt: issued, Guard: sessionstore.Guard("live", issued)}, true},
		{"a logged-out session", commands.SessionCheck{User: "owner", IssuedAt: issued, Guard: sessionstore.Guard("gone", issued)}, false},
		{"a blocked user's session", commands.SessionCheck{User: "blocked", IssuedAt: issued, Guard: sessionstore.Guard("live", issued)}, false},
		{"an expired session", commands.SessionCheck{User: "owner", IssuedAt: issued, Guard: sessionstore.Guard("live", issued.Add(2*time.Hour))}, false},
	}
}

// The same, deterministically in one group commit (CarryOutTogetherIn): a
// batch whose guard fails is carried out one command at a time, each then
// meeting its own session's outcome.
func TestOneGroupCommitChecksEachCommandsSession(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	sessions := sessionsOfEveryKind(t, f, h)
	var envs []commands.Envelope
	var cmds []domain.Command
	for i := range 2 * len(sessions) {
		e := env("acme")
		e.Session = &sessions[i%len(sessions)].check
		id := domain.UserID(fmt.Sprintf("u-%d", i))
		envs = append(envs, e)
		cmds = append(cmds, domain.InviteUser{Actor: domain.UserActor("owner"), User: id, EmailIndex: string(id), Role: domain.RoleMember, Kind: domain.KindMember,
			PII: domain.PersonalData{Email: string(id) + "@acme.example", Name: "User " + string(id)}})
	}
	results, errs := h.CarryOutTogetherIn(ctx, envs, cmds)
	state := f.replayed("acme")
	for i, err := range errs {
		s := sessions[i%len(sessions)]
		_, stored := state.User(domain.UserID(fmt.Sprintf("u-%d", i)))
		if s.good != (err == nil) || stored != s.good || (!s.good && !errors.Is(err, commands.ErrSessionEnded)) || (s.good && !results[i].SessionChecked) {
			t.Errorf("command %d with %s: %+v, %v, stored %v", i, s.name, results[i], err, stored)
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
