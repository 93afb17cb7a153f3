package commands

import (
	"context"
	"errors"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// SetPassword sets a user's password: by the user themselves or by a manager
// of users. It ends every other session of the user (domain.SetPassword).
type SetPassword struct {
	Actor     domain.Actor
	User      domain.UserID
	IfVersion *int64
	Password  string `json:"-"` // never part of a fingerprint
	// ConfirmCurrent checks that the actor knows their current password,
	// when they change their own: it is called then, and only then, once
	// per run of the command (never for a repeat answered from its
	// Idempotency-Key). Nil when the request carries no current password.
	// The entry point makes it, since checking a password is
	// authentication's business, under its failure limits
	// (sessions.Service.ConfirmPassword).
	ConfirmCurrent func(ctx context.Context) error `json:"-"`
	// Session is the session the actor changes their own password with,
	// kept alive by the revocation; nil for none (the operator, a test).
	Session *domain.SessionRef `json:"-"`
}

func setPassword(e *execution.Engine, d deps) Handler[SetPassword] {
	return handler(e, "set_password", func(ctx context.Context, env execution.Envelope, in SetPassword) (domain.Command, execution.Shown, error) {
		if in.Password == "" {
			return nil, execution.Shown{}, domain.InvalidField("password", "the password must not be empty")
		}
		self := !in.Actor.Operator && in.Actor.User == in.User
		confirmed := self && in.ConfirmCurrent != nil
		if confirmed {
			if err := in.ConfirmCurrent(ctx); err != nil {
				return nil, execution.Shown{}, err
			}
		}
		cmd := domain.SetPassword{Actor: in.Actor, User: in.User, IfVersion: in.IfVersion, At: d.clock(),
			CurrentConfirmed: confirmed, Session: in.Session}
		if self && !confirmed {
			return cmd, execution.Shown{User: in.User}, nil // the domain refuses it: no hash to spend
		}
		details, err := accountDetails(ctx, e.Queries(), env.Tenant, in.User)
		if err != nil {
			return nil, execution.Shown{}, err
		}
		if cmd.PasswordHash, err = d.hashPassword(ctx, "password", in.Password, details...); err != nil {
			return nil, execution.Shown{}, err
		}
		return cmd, execution.Shown{User: in.User}, nil
	})
}

// accountDetails are what a password of user must not be made of, as an
// invitation screens it: the ids, and the user's e-mail address and name
// when they have them (a user unknown here is refused by the domain).
func accountDetails(ctx context.Context, q *execution.Queries, tenant domain.TenantID, user domain.UserID) ([]string, error) {
	details := []string{string(user), string(tenant)}
	m, found, err := q.Member(ctx, tenant, user)
	if err != nil || !found {
		return details, err
	}
	p, err := q.Profile(ctx, tenant, m.User, execution.Result{})
	switch {
	case errors.Is(err, execution.ErrNoPersonalData): // an engine without personal data (tests of the engine alone)
		return details, nil
	case err != nil:
		return nil, err
	}
	return append(details, p.Email, p.Name), nil
}
