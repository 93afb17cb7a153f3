package commands

import (
	"errors"
	"time"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// Config is what the use cases need to prepare their commands, besides the
// engine that carries them out.
type Config struct {
	Passwords PasswordHasher // required
	Screen    PasswordScreen // required
	Emails    EmailIndexer   // required
}

// Handlers exposes every use case as a typed handler: no bus, no
// reflection. It exposes commands only; the reads other packages need of
// the write model are the engine's (execution.Queries).
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
	RecordLogin          Handler[domain.RecordLogin]
	ChangeProfile        Handler[ChangeProfile]
	DeleteTeam           Handler[domain.DeleteTeam]
	CreateScimConnection Handler[CreateScimConnection]
	RevokeScimConnection Handler[domain.RevokeScimConnection]
	// Bulk carries out many of the use cases above at once.
	Bulk BulkHandler
}

// deps is what use cases need to prepare their domain commands.
type deps struct {
	clock     func() time.Time
	passwords PasswordHasher
	screen    PasswordScreen
	emails    EmailIndexer
}

// New builds the handlers of every use case over engine, which carries their
// commands out (and stamps their instants: engine.Now).
func New(engine *execution.Engine, cfg Config) (*Handlers, error) {
	if engine == nil || cfg.Passwords == nil || cfg.Screen == nil || cfg.Emails == nil {
		return nil, errors.New("commands: the engine, Passwords, Screen and Emails are required")
	}
	e := engine
	d := deps{clock: engine.Now, passwords: cfg.Passwords, screen: cfg.Screen, emails: cfg.Emails}
	return &Handlers{
		CreateTenant: createTenant(e, d), ChangePolicy: changePolicy(e), ChangeSeats: changeSeats(e),
		InviteUser: inviteUser(e, d), ActivateUser: activateUser(e), DeactivateUser: deactivateUser(e, d),
		ReactivateUser: reactivateUser(e), ReactivateOnPurchase: reactivateOnPurchase(e, d),
		BlockUser: blockUser(e, d), UnblockUser: unblockUser(e), RevokeSessions: revokeSessions(e, d),
		ChangeRole: changeRole(e), SetPassword: setPassword(e, d), DeleteUser: deleteUser(e),
		DefineTeam: defineTeam(e), JoinTeam: joinTeam(e), LeaveTeam: leaveTeam(e),
		AssignTeamLeader: assignTeamLeader(e), AssignWork: assignWork(e), TransferOwnership: transferOwnership(e),
		RecordLogin: recordLogin(e), ChangeProfile: changeProfile(e, d), DeleteTeam: deleteTeam(e),
		CreateScimConnection: createScimConnection(e),
		RevokeScimConnection: revokeScimConnection(e), Bulk: BulkHandler{engine: e},
	}, nil
}
