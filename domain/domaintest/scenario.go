package domaintest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rosterhq/roster/domain"
)

// Tenant is the id of the scenario's tenant; Owner is its first owner.
const (
	Tenant domain.TenantID = "acme"
	Owner  domain.UserID   = "own"
)

// Start is the instant the scenario's instants count from.
var Start = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// Email is the e-mail address the scenario gives user id.
func Email(id domain.UserID) string { return string(id) + "@scenario.test" }

// Name is the display name the scenario gives user id.
func Name(id domain.UserID) string { return "Person " + string(id) }

// Scenario is a tenant's history of at least n events, decided by
// domain.Decide from seeded random commands over users (u-0 …), teams, work
// items, policy and seat changes and deletions, as one batch per command
// (refused commands leave none). The same seed gives the same history.
// emailIndex computes the blind index of an address (the identity will do
// when the events are not stored).
func Scenario(seed uint64, users, n int, emailIndex func(string) string) [][]domain.Event {
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), users: users,
		state: &domain.Tenant{}, emailIndex: emailIndex}
	g.decide(domain.CreateTenant{Actor: domain.OperatorActor(), Tenant: Tenant, Name: "Acme", Preset: domain.PresetHelpdesk,
		Seats: users + 5, Owner: domain.OwnerAccount{User: Owner, PII: g.pii(Owner), EmailIndex: emailIndex(Email(Owner))}})
	for _, t := range teams {
		g.decide(domain.DefineTeam{Actor: domain.OperatorActor(), Team: t, Name: "Team " + string(t)})
	}
	for g.events < n {
		g.decide(g.command())
	}
	return g.batches
}

// generator decides commands against the state it evolves.
type generator struct {
	rng        *rand.Rand
	users      int
	state      *domain.Tenant
	emailIndex func(string) string
	batches    [][]domain.Event
	events     int
}

// decide applies cmd's events, if it is not refused, and records them.
func (g *generator) decide(cmd domain.Command) {
	events, err := domain.Decide(g.state, cmd)
	if err != nil || len(events) == 0 {
		return
	}
	for _, e := range events {
		domain.Evolve(g.state, e)
	}
	g.batches = append(g.batches, events)
	g.events += len(events)
}

func (g *generator) pii(id domain.UserID) domain.PersonalData {
	return domain.PersonalData{Email: Email(id), Name: Name(id), PasswordHash: "hash-" + string(id)}
}

func (g *generator) user() domain.UserID {
	return domain.UserID(fmt.Sprintf("u-%d", g.rng.IntN(g.users)))
}

// teams are the scenario's teams, defined at its start.
var teams = []domain.TeamID{"red", "green", "blue", "gold"}

func (g *generator) team() domain.TeamID { return teams[g.rng.IntN(len(teams))] }

func (g *generator) role() domain.Role {
	return []domain.Role{domain.RoleOwner, domain.RoleAdmin, domain.RoleManager, domain.RoleMember, domain.RoleMember}[g.rng.IntN(5)]
}

// at is an instant that moves on with the history, for revocations.
func (g *generator) at() time.Time { return Start.Add(time.Duration(g.events) * time.Minute) }

// command draws the next command: mostly user lifecycle, then teams, work
// and, now and then, policy and seats.
func (g *generator) command() domain.Command {
	switch k := g.rng.IntN(40); {
	case k < 22:
		return g.lifecycle()
	case k < 31:
		return g.teamCommand()
	case k < 38:
		return g.workCommand()
	default:
		return g.tenantCommand()
	}
}

func (g *generator) lifecycle() domain.Command {
	op, u := domain.OperatorActor(), g.user()
	switch g.rng.IntN(12) {
	case 0, 1:
		kind := domain.KindMember
		if g.rng.IntN(4) == 0 {
			kind = domain.KindCustomer
		}
		return domain.InviteUser{Actor: op, User: u, PII: g.pii(u), EmailIndex: g.emailIndex(Email(u)), Role: g.role(),
			Kind: kind, Activate: g.rng.IntN(2) == 0, Teams: []domain.TeamID{g.team()}}
	case 2:
		return domain.ActivateUser{Actor: op, User: u}
	case 3:
		return domain.DeactivateUser{Actor: op, User: u, At: g.at(), AllowReactivationOnPurchase: g.rng.IntN(2) == 0}
	case 4:
		return domain.ReactivateUser{Actor: op, User: u}
	case 5:
		return domain.BlockUser{Actor: op, User: u, At: g.at()}
	case 6:
		return domain.UnblockUser{Actor: op, User: u}
	case 7:
		return domain.RevokeSessions{Actor: op, User: u, At: g.at()}
	case 8:
		return domain.ChangeRole{Actor: op, User: u, Role: g.role()}
	case 9:
		return domain.SetPassword{Actor: op, User: u, PasswordHash: fmt.Sprintf("hash-%d", g.events), At: g.at()}
	case 10: // a new external id; e-mail and name stay as Email and Name say
		ext := fmt.Sprintf("ext-%s-%d", u, g.events)
		return domain.ChangeProfile{Actor: op, User: u, PII: domain.PersonalData{Email: Email(u), Name: Name(u), ExternalID: ext},
			EmailIndex: g.emailIndex(Email(u)), ExternalIDIndex: g.emailIndex(ext)}
	}
	return domain.DeleteUser{Actor: op, User: u, Reason: "scenario"}
}

func (g *generator) teamCommand() domain.Command {
	op, u, t := domain.OperatorActor(), g.user(), g.team()
	switch g.rng.IntN(5) {
	case 0:
		leader := u
		return domain.DefineTeam{Actor: op, Team: t, Name: "Team " + string(t), Leader: &leader}
	case 1:
		return domain.JoinTeam{Actor: op, Team: t, User: u}
	case 2:
		return domain.LeaveTeam{Actor: op, Team: t, User: u}
	case 3:
		none := domain.UserID("")
		return domain.AssignTeamLeader{Actor: op, Team: t, User: &none}
	}
	return domain.AssignTeamLeader{Actor: op, Team: t, User: &u}
}

func (g *generator) workCommand() domain.Command {
	op, u := domain.OperatorActor(), g.user()
	item := domain.WorkItemID(fmt.Sprintf("job-%d", g.rng.IntN(30)))
	if g.rng.IntN(3) == 0 {
		return domain.TransferOwnership{Actor: op, From: u, To: g.user(), Reason: "scenario"}
	}
	return domain.AssignWork{Actor: op, Item: item, Kind: "job", Assignee: &u}
}

func (g *generator) tenantCommand() domain.Command {
	op := domain.OperatorActor()
	if g.rng.IntN(3) == 0 {
		return domain.ChangeSeats{Actor: op, Seats: g.users/2 + g.rng.IntN(g.users)}
	}
	names := domain.PresetNames()
	preset := names[g.rng.IntN(len(names))]
	inactiveCanLogin, inactiveConsumesSeat := g.rng.IntN(2) == 0, g.rng.IntN(2) == 0
	return domain.ChangePolicy{Actor: op, Preset: &preset,
		Patch: domain.PolicyPatch{InactiveCanLogin: &inactiveCanLogin, InactiveConsumesSeat: &inactiveConsumesSeat}}
}

// Draw is a seeded source of the random commands Scenario's histories are
// made of (over users u-0 …, the scenario's teams and work items), for
// tests that decide them elsewhere. The same seed draws the same commands.
type Draw struct{ g *generator }

// NewDraw returns a Draw over users users.
func NewDraw(seed uint64, users int) *Draw {
	return &Draw{g: &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), users: users,
		emailIndex: func(email string) string { return "index:" + email }}}
}

// Command draws the next command; the n-th command's instants are those
// of a history n events long.
func (d *Draw) Command() domain.Command {
	d.g.events++
	return d.g.command()
}
