package writeapi

import (
	"context"
	"net/http"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
)

type inviteBody struct {
	ID       domain.UserID   `json:"id"`
	Email    string          `json:"email"`
	Name     string          `json:"name"`
	Role     domain.Role     `json:"role"`
	Kind     domain.Kind     `json:"kind"`
	Teams    []domain.TeamID `json:"teams"`
	Password string          `json:"password"`
	Activate bool            `json:"activate"`
}

// inviteUser answers POST /v1/tenants/{tenant}/users.
func (a *API) inviteUser(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.InviteUser, a.renderUser, true, func(p access.Principal, _ *http.Request, b inviteBody) (request[commands.InviteUser], error) {
		return request[commands.InviteUser]{in: commands.InviteUser{Actor: p.Actor(), User: b.ID, Email: b.Email, Name: b.Name,
			Password: b.Password, Role: b.Role, Kind: b.Kind, Teams: b.Teams, Activate: b.Activate}}, nil
	})
}

type reasonBody struct {
	Reason string `json:"reason"`
}

// userCommand runs the command that build makes for the path's user and
// the request's If-Match, answering with that user.
func userCommand[Body, In any](a *API, w http.ResponseWriter, r *http.Request, h commands.Handler[In],
	reason func(Body) string, build func(actor domain.Actor, user domain.UserID, version *int64, body Body) (In, error)) {
	command(a, w, r, h, a.renderUser, false, func(p access.Principal, r *http.Request, body Body) (request[In], error) {
		version, err := ifMatch(r)
		if err != nil {
			return request[In]{}, err
		}
		in, err := build(p.Actor(), userOf(r), version, body)
		return request[In]{in: in, reason: reason(body), versioned: true}, err
	})
}

func reasonOf(b reasonBody) string { return b.Reason }

func (a *API) activateUser(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.ActivateUser, reasonOf, func(actor domain.Actor, u domain.UserID, v *int64, _ reasonBody) (domain.ActivateUser, error) {
		return domain.ActivateUser{Actor: actor, User: u, IfVersion: v}, nil
	})
}

type deactivateBody struct {
	Reason                      string         `json:"reason"`
	HandoffTo                   *domain.UserID `json:"handoff_to"`
	AllowReactivationOnPurchase bool           `json:"allow_reactivation_on_purchase"`
}

func (a *API) deactivateUser(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.DeactivateUser, func(b deactivateBody) string { return b.Reason },
		func(actor domain.Actor, u domain.UserID, v *int64, b deactivateBody) (domain.DeactivateUser, error) {
			return domain.DeactivateUser{Actor: actor, User: u, IfVersion: v, HandoffTo: b.HandoffTo,
				AllowReactivationOnPurchase: b.AllowReactivationOnPurchase}, nil
		})
}

func (a *API) reactivateUser(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.ReactivateUser, reasonOf, func(actor domain.Actor, u domain.UserID, v *int64, _ reasonBody) (domain.ReactivateUser, error) {
		return domain.ReactivateUser{Actor: actor, User: u, IfVersion: v}, nil
	})
}

func (a *API) blockUser(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.BlockUser, reasonOf, func(actor domain.Actor, u domain.UserID, v *int64, _ reasonBody) (domain.BlockUser, error) {
		return domain.BlockUser{Actor: actor, User: u, IfVersion: v}, nil
	})
}

func (a *API) unblockUser(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.UnblockUser, reasonOf, func(actor domain.Actor, u domain.UserID, v *int64, _ reasonBody) (domain.UnblockUser, error) {
		return domain.UnblockUser{Actor: actor, User: u, IfVersion: v}, nil
	})
}

func (a *API) revokeSessions(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.RevokeSessions, reasonOf, func(actor domain.Actor, u domain.UserID, v *int64, b reasonBody) (domain.RevokeSessions, error) {
		return domain.RevokeSessions{Actor: actor, User: u, IfVersion: v, Reason: b.Reason}, nil
	})
}

type roleBody struct {
	Role domain.Role `json:"role"`
}

func (a *API) changeRole(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.ChangeRole, func(roleBody) string { return "" },
		func(actor domain.Actor, u domain.UserID, v *int64, b roleBody) (domain.ChangeRole, error) {
			if b.Role == "" {
				return domain.ChangeRole{}, domain.InvalidField("role", "role is required")
			}
			return domain.ChangeRole{Actor: actor, User: u, IfVersion: v, Role: b.Role}, nil
		})
}

type passwordBody struct {
	Password        string `json:"password"`
	CurrentPassword string `json:"current_password"`
}

// setPassword answers PUT …/users/{user}/password. Users who change their
// own send current_password, checked under the login limits; the session
// they send it with stays alive, every other session of theirs ends.
func (a *API) setPassword(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.SetPassword, a.renderUser, false, func(p access.Principal, r *http.Request, b passwordBody) (request[commands.SetPassword], error) {
		version, err := ifMatch(r)
		in := commands.SetPassword{Actor: p.Actor(), User: userOf(r), IfVersion: version, Password: b.Password, Session: sessions.OwnSession(p)}
		if b.CurrentPassword != "" {
			client := a.Clients.Of(r)
			in.ConfirmCurrent = func(ctx context.Context) error { return a.Sessions.ConfirmPassword(ctx, p, b.CurrentPassword, client) }
		}
		return request[commands.SetPassword]{in: in, versioned: true}, err
	})
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	userCommand(a, w, r, a.Commands.DeleteUser, reasonOf, func(actor domain.Actor, u domain.UserID, v *int64, b reasonBody) (domain.DeleteUser, error) {
		return domain.DeleteUser{Actor: actor, User: u, IfVersion: v, Reason: b.Reason}, nil
	})
}
