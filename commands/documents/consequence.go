package documents

import "github.com/rosterhq/roster/domain"

// Consequence is API.md's Consequence: one effect of a write, real or dry.
// Which fields it carries depends on its kind: from and to for a change of
// status or role and for work moved (where either may be null: nobody),
// count for sessions that die, items for work moved, team for a team left
// or its leadership lost. user names whom it concerns.
type Consequence struct {
	Kind  domain.ConsequenceKind `json:"kind"`
	User  domain.UserID          `json:"user,omitempty"`
	From  any                    `json:"from,omitempty"`
	To    any                    `json:"to,omitempty"`
	Count *int                   `json:"count,omitempty"`
	Items []domain.WorkItemID    `json:"items,omitempty"`
	Team  domain.TeamID          `json:"team,omitempty"`
}

// NewConsequences renders a write's consequences; never nil, so that a
// reply says "none" as [].
func NewConsequences(cs []domain.Consequence) []Consequence {
	out := make([]Consequence, 0, len(cs))
	for _, c := range cs {
		d := Consequence{Kind: c.Kind, User: c.User, Team: c.Team}
		switch c.Kind {
		case domain.ConsequenceStatusChanged, domain.ConsequenceRoleChanged:
			d.From, d.To = c.From, c.To
		case domain.ConsequenceWorkMoved:
			// Present even when null: "to": null says the work goes to nobody.
			d.From, d.To = orNull(domain.UserID(c.From)), orNull(domain.UserID(c.To))
			d.Items = c.Items
		case domain.ConsequenceSessionsRevoked:
			n := c.Count
			d.Count = &n
		}
		out = append(out, d)
	}
	return out
}
