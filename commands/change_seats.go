package commands

import (
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// changeSeats sets the seats purchased; under seat_limit enforce it cannot
// drop below the seats in use. Owners only.
func changeSeats(e *execution.Engine) Handler[domain.ChangeSeats] {
	return handler(e, "change_seats", tenantWide[domain.ChangeSeats])
}
