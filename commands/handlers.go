package commands

import (
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Config wires the handlers to their ports.
type Config struct {
	Store       EventStore       // required
	Passwords   PasswordHasher   // required
	Screen      PasswordScreen   // required
	Emails      EmailIndexer     // required
	Snapshots   SnapshotStore    // optional: without it, cold loads replay whole streams
	Idempotency IdempotencyStore // optional: without it, Idempotency-Key is refused
	// PersonalData reads the stream with personal data opened (the write
	// model itself never needs it); optional: without it Profile and
	// PasswordHash fail.
	PersonalData eventstore.StreamReader
	Clock        func() time.Time // default time.Now
	Logger       *slog.Logger     // default: discard
	// SnapshotEvery is how many events may pass between snapshots (default 1000).
	SnapshotEvery int64
	// MaxAttempts bounds decide/append cycles lost to version conflicts (default 10).
	MaxAttempts int
}

// Handlers exposes every use case as a typed handler: no bus, no reflection.
type Handlers struct {
	CreateTenant         Handler[CreateTenant]
	ChangePolicy         Handler[domain.ChangePolicy]
	ChangeSeats          Handler[domain.ChangeSeats]
	InviteUser           Handler[InviteUser]
	ActivateUser         Handler[domain.ActivateUser]
	DeactivateUser       Handler[domain.DeactivateUser]
	ReactivateUser       Handler[domain.ReactivateUser]
	ReactivateOnPurchase Handler[ReactivateOnPurchase]
	BlockUser            Handler[domain.BlockUser]
	UnblockUser          Handler[domain.UnblockUser]
	RevokeSessions       Handler[domain.RevokeSessions]
	ChangeRole           Handler[domain.ChangeRole]
	SetPassword          Handler[SetPassword]
	DeleteUser           Handler[domain.DeleteUser]
	DefineTeam           Handler[domain.DefineTeam]
	JoinTeam             Handler[domain.JoinTeam]
	LeaveTeam            Handler[domain.LeaveTeam]
	AssignTeamLeader     Handler[domain.AssignTeamLeader]
	AssignWork           Handler[domain.AssignWork]
	TransferOwnership    Handler[domain.TransferOwnership]

	models     *writeModels
	exec       *executor
	deps       deps
	personal   eventstore.StreamReader
	identities identities
}

// deps is what use cases need to prepare their domain commands.
type deps struct {
	clock     func() time.Time
	passwords PasswordHasher
	screen    PasswordScreen
	emails    EmailIndexer
}

// New builds the handlers. Call Close when done.
func New(cfg Config) (*Handlers, error) {
	if cfg.Store == nil || cfg.Passwords == nil || cfg.Screen == nil || cfg.Emails == nil {
		return nil, errors.New("commands: Store, Passwords, Screen and Emails are required")
	}
	cfg = cfg.withDefaults()
	models := &writeModels{store: cfg.Store, snapshots: cfg.Snapshots, snapshotEvery: cfg.SnapshotEvery,
		log: cfg.Logger, tenants: map[domain.TenantID]*writeModel{}}
	p := &pipeline{
		exec: &executor{models: models, clock: cfg.Clock, maxAttempts: cfg.MaxAttempts},
		idem: idempotent{store: cfg.Idempotency, clock: cfg.Clock, log: cfg.Logger},
		log:  cfg.Logger,
	}
	if cfg.Idempotency == nil {
		p.idem.store = refuseKeys{}
	}
	d := deps{clock: cfg.Clock, passwords: cfg.Passwords, screen: cfg.Screen, emails: cfg.Emails}
	return &Handlers{
		CreateTenant: createTenant(p, d), ChangePolicy: changePolicy(p), ChangeSeats: changeSeats(p),
		InviteUser: inviteUser(p, d), ActivateUser: activateUser(p), DeactivateUser: deactivateUser(p, d),
		ReactivateUser: reactivateUser(p), ReactivateOnPurchase: reactivateOnPurchase(p, d),
		BlockUser: blockUser(p, d), UnblockUser: unblockUser(p), RevokeSessions: revokeSessions(p, d),
		ChangeRole: changeRole(p), SetPassword: setPassword(p, d), DeleteUser: deleteUser(p),
		DefineTeam: defineTeam(p), JoinTeam: joinTeam(p), LeaveTeam: leaveTeam(p),
		AssignTeamLeader: assignTeamLeader(p), AssignWork: assignWork(p), TransferOwnership: transferOwnership(p),
		models: models, exec: p.exec, deps: d, personal: cfg.PersonalData,
	}, nil
}

func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.SnapshotEvery <= 0 {
		c.SnapshotEvery = 1000
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	return c
}

// Close waits for snapshot writes still in flight.
func (h *Handlers) Close() { h.models.saving.Wait() }

// newUserID is the id of a user the client did not name: derived from the
// idempotency key (within its caller's keys) when there is one, so that a
// retried creation names the same user (and is recognised as done) instead
// of creating another.
func newUserID(env Envelope) domain.UserID {
	if env.IdempotencyKey != "" {
		return domain.UserID(uuid.NewSHA1(eventIDNamespace, []byte(string(env.Tenant)+"\x00"+env.idempotencyName()+"\x00user")).String())
	}
	return domain.UserID(uuid.NewString())
}

// handler builds a Handler from its use-case name and preparation.
func handler[In any](p *pipeline, useCase string, prepare prepareFunc[In]) Handler[In] {
	return Handler[In]{useCase: useCase, prepare: prepare, p: p}
}
