package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// ChangeProfile is the input of the use case that replaces a user's profile
// (e-mail, name, and what an identity provider adds): the whole profile,
// not a patch. Callers leave out a change that changes nothing: the domain
// sees only blind indexes of the profile it replaces, so it records every
// change it is given.
type ChangeProfile struct {
	Actor       domain.Actor
	User        domain.UserID
	IfVersion   *int64
	Email       string
	Name        string
	Provisioned Provisioned
}

// changeProfile replaces a user's profile. Managers of users (and the user
// themselves) may; the e-mail and external id stay unique in the tenant.
func changeProfile(e *execution.Engine, d deps) Handler[ChangeProfile] {
	return handler(e, "change_profile", func(ctx context.Context, _ execution.Envelope, in ChangeProfile) (domain.Command, execution.Shown, error) {
		pii, index, err := d.personalData(ctx, "", in.Email, in.Name, "")
		if err != nil {
			return nil, execution.Shown{}, err
		}
		cmd := domain.ChangeProfile{Actor: in.Actor, User: in.User, IfVersion: in.IfVersion, PII: pii, EmailIndex: index}
		cmd.ExternalIDIndex = d.provision(&cmd.PII, in.Provisioned)
		return cmd, execution.Shown{User: in.User}, nil
	})
}
