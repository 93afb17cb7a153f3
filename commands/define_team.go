package commands

import (
	"context"

	"github.com/rosterhq/roster/domain"
)

// defineTeam creates or renames a team, optionally with its leader.
func defineTeam(p *pipeline) Handler[domain.DefineTeam] {
	return handler(p, "define_team", func(_ context.Context, _ Envelope, in domain.DefineTeam) (domain.Command, describer, error) {
		return in, describeTeam(in.Team), nil
	})
}
