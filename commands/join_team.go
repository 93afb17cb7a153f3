package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// joinTeam adds a user to a team.
func joinTeam(p *pipeline) Handler[domain.JoinTeam] {
	return handler(p, "join_team", func(_ context.Context, _ Envelope, in domain.JoinTeam) (domain.Command, describer, error) {
		return in, describeTeam(in.Team), nil
	})
}
