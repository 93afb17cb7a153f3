package documents

import (
	"time"

	"github.com/rosterhq/roster/domain"
)

// Team is API.md's Team.
type Team struct {
	ID      domain.TeamID   `json:"id"`
	Name    string          `json:"name"`
	Leader  *domain.UserID  `json:"leader"` // null when the team has none
	Members []domain.UserID `json:"members"`
}

// NewTeam renders API.md's Team.
func NewTeam(t domain.TeamView) Team {
	return Team{ID: t.ID, Name: t.Name, Leader: orNull(t.Leader), Members: nonNil(t.Members)}
}

// WorkItem is API.md's WorkItem.
type WorkItem struct {
	ID       domain.WorkItemID `json:"id"`
	Kind     string            `json:"kind"`
	Assignee *domain.UserID    `json:"assignee"` // null when unassigned
	// UpdatedAt is the instant of the latest event that changed the item.
	UpdatedAt time.Time `json:"updated_at"`
}

// NewWorkItem renders API.md's WorkItem: the item as the write model's view
// holds it, changed last at updated (shown in UTC).
func NewWorkItem(it domain.WorkItemView, updated time.Time) WorkItem {
	return WorkItem{ID: it.ID, Kind: it.Kind, Assignee: orNull(it.Assignee), UpdatedAt: updated.UTC()}
}

// orNull is nil for the empty id: JSON null, nobody.
func orNull(id domain.UserID) *domain.UserID {
	if id == "" {
		return nil
	}
	return &id
}
