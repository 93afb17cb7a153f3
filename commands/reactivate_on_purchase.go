package commands

import (
	"context"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// ReactivateOnPurchase reports a purchase made with Email: an inactive
// customer whose deactivation allowed it comes back; a blocklisted address
// is refused (email_blocked). Operators (the shop's back end) only.
type ReactivateOnPurchase struct {
	Actor domain.Actor
	Email string
}

func reactivateOnPurchase(e *execution.Engine, d deps) Handler[ReactivateOnPurchase] {
	return handler(e, "reactivate_on_purchase", func(_ context.Context, _ execution.Envelope, in ReactivateOnPurchase) (domain.Command, execution.Shown, error) {
		email, err := domain.ParseEmail("email", in.Email)
		if err != nil {
			return nil, execution.Shown{}, err
		}
		index := d.emails.EmailIndex(email)
		return domain.ReactivateOnPurchase{Actor: in.Actor, EmailIndex: index}, execution.Shown{UserByEmailIndex: index}, nil
	})
}
