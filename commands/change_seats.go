package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// changeSeats sets the seats purchased; under seat_limit enforce it cannot
// drop below the seats in use. Owners only.
func changeSeats(p *pipeline) Handler[domain.ChangeSeats] {
	return handler(p, "change_seats", func(_ context.Context, _ Envelope, in domain.ChangeSeats) (domain.Command, describer, error) {
		return in, describeTenant, nil
	})
}
