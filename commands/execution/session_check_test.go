package execution_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
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
		if s.good != (err == nil) || stored != s.good || (!s.good && !errors.Is(err, execution.ErrSessionEnded)) {
			t.Errorf("command %d with %s: %v, stored %v", i, s.name, err, stored)
		}
	}
}

// sessionCase is a session a command may carry, and whether it is good.
type sessionCase struct {
	name  string
	check execution.SessionCheck
	good  bool
}

// sessionsOfEveryKind makes tenant acme (owner "owner", and "blocked", a
// blocked admin) and a live session of the owner, and returns a session of
// each kind: live, logged out, of a blocked user, expired.
func sessionsOfEveryKind(t *testing.T, f *fixture, h *process) []sessionCase {
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
		{"a live session", execution.SessionCheck{User: "owner", IssuedAt: issued, Stored: stored("live", issued)}, true},
		{"a logged-out session", execution.SessionCheck{User: "owner", IssuedAt: issued, Stored: stored("gone", issued)}, false},
		{"a blocked user's session", execution.SessionCheck{User: "blocked", IssuedAt: issued, Stored: stored("live", issued)}, false},
		{"an expired session", execution.SessionCheck{User: "owner", IssuedAt: issued, Stored: stored("live", issued.Add(2*time.Hour))}, false},
	}
}

// stored is the session under digest, as the store checks it at at.
func stored(digest string, at time.Time) eventstore.LiveSession {
	return eventstore.LiveSession{Digest: digest, At: at}
}

// The same, deterministically in one group commit (CarryOutTogetherIn): a
// batch whose guard fails is carried out one command at a time, each then
// meeting its own session's outcome.
func TestOneGroupCommitChecksEachCommandsSession(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	sessions := sessionsOfEveryKind(t, f, h)
	var envs []execution.Envelope
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
		if s.good != (err == nil) || stored != s.good || (!s.good && !errors.Is(err, execution.ErrSessionEnded)) || (s.good && !results[i].SessionChecked) {
			t.Errorf("command %d with %s: %+v, %v, stored %v", i, s.name, results[i], err, stored)
		}
	}
}

// A store that cannot check a session with an append declines the
// capability, and a command that carries a session check to an engine over
// it is refused rather than stored unchecked.
func TestKurrentDBDeclinesToCheckSessionsWithAnAppend(t *testing.T) {
	f := newKurrentDBFixture(t)
	if _, guards := f.store.(eventstore.SessionGuard); guards {
		t.Fatal("the KurrentDB store claims to check sessions with its appends")
	}
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetHelpdesk, 10)
	before := f.streamLength("acme")
	e := env("acme")
	e.Session = &execution.SessionCheck{User: "owner", IssuedAt: time.Now(), Stored: stored("any", time.Now())}
	_, err := h.InviteUser.Handle(ctx, e, commands.InviteUser{Actor: domain.UserActor("owner"), User: "ann",
		Email: "ann@acme.test", Name: "Ann", Role: domain.RoleMember})
	if err == nil {
		t.Fatal("a command carrying a session check was carried out without the check")
	}
	if n := f.streamLength("acme"); n != before {
		t.Fatalf("%d events stored", n-before)
	}
}
