package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// SetPassword sets a user's password: by the user themselves or by a manager
// of users.
type SetPassword struct {
	Actor     domain.Actor
	User      domain.UserID
	IfVersion *int64
	Password  string `json:"-"` // never part of a fingerprint
}

func setPassword(p *pipeline, d deps) Handler[SetPassword] {
	return handler(p, "set_password", func(_ context.Context, _ Envelope, in SetPassword) (domain.Command, describer, error) {
		if in.Password == "" {
			return nil, nil, domain.InvalidField("password", "the password must not be empty")
		}
		hash, err := d.passwords.Hash(in.Password)
		if err != nil {
			return nil, nil, err
		}
		cmd := domain.SetPassword{Actor: in.Actor, User: in.User, IfVersion: in.IfVersion, PasswordHash: hash}
		return cmd, describeUser(in.User), nil
	})
}
