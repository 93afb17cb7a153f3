package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// CreateTenant creates a tenant with its policy, seats and first owner (an
// active user who can log in with Owner.Password). Operators only.
type CreateTenant struct {
	Actor  domain.Actor
	Tenant domain.TenantID
	Name   string
	// Preset names the policy preset ("" is strict); Patch overrides knobs.
	Preset string
	Patch  *domain.PolicyPatch
	Seats  int
	Owner  NewOwner
}

// NewOwner is the first owner of a new tenant. ID "" lets Roster choose one.
type NewOwner struct {
	ID       domain.UserID
	Email    string
	Name     string
	Password string `json:"-"` // never part of a fingerprint
}

func createTenant(e *execution.Engine, d deps) Handler[CreateTenant] {
	return handler(e, "create_tenant", func(ctx context.Context, env execution.Envelope, in CreateTenant) (domain.Command, execution.Shown, error) {
		if in.Tenant != env.Tenant {
			return nil, execution.Shown{}, domain.InvalidField("id", "the tenant id in the body differs from the path")
		}
		if in.Owner.Password == "" {
			return nil, execution.Shown{}, domain.InvalidField("owner.password", "the owner needs a password")
		}
		pii, index, err := d.personalData(ctx, "owner.", in.Owner.Email, in.Owner.Name, in.Owner.Password)
		if err != nil {
			return nil, execution.Shown{}, err
		}
		owner := in.Owner.ID
		if owner == "" {
			owner = env.NewUserID()
		}
		cmd := domain.CreateTenant{Actor: in.Actor, Tenant: in.Tenant, Name: in.Name, Preset: in.Preset,
			Patch: in.Patch, Seats: in.Seats, Owner: domain.OwnerAccount{User: owner, PII: pii, EmailIndex: index}}
		return cmd, execution.Shown{Tenant: true, User: owner}, nil
	})
}
