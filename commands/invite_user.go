package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// InviteUser creates a user, invited or (Activate) active, in the given
// teams. User "" lets Roster choose the id; Password "" leaves the user to
// set one later.
type InviteUser struct {
	Actor    domain.Actor
	User     domain.UserID
	Email    string
	Name     string
	Password string `json:"-"` // never part of a fingerprint
	Role     domain.Role
	Kind     domain.Kind
	Teams    []domain.TeamID
	Activate bool
	// Provisioned is what an identity provider adds (SCIM); zero elsewhere.
	Provisioned Provisioned
}

func inviteUser(e *execution.Engine, d deps) Handler[InviteUser] {
	return handler(e, "invite_user", func(ctx context.Context, env execution.Envelope, in InviteUser) (domain.Command, execution.Shown, error) {
		pii, index, err := d.personalData(ctx, "", in.Email, in.Name, in.Password)
		if err != nil {
			return nil, execution.Shown{}, err
		}
		id := in.User
		if id == "" {
			id = env.NewUserID()
		}
		cmd := domain.InviteUser{Actor: in.Actor, User: id, PII: pii, EmailIndex: index, Role: in.Role,
			Kind: in.Kind, Teams: in.Teams, Activate: in.Activate}
		cmd.ExternalIDIndex = d.provision(&cmd.PII, in.Provisioned)
		return cmd, execution.Shown{User: id}, nil
	})
}
