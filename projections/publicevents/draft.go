package publicevents

import (
	"time"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// draft is one command being told: from its first event to its last, which
// may come in a later batch than the first (then the draft waits in its
// row's draft column). Its consequences are measured as the command's
// reply measured them: each user's facts before the command against after
// it (domain.UserChanges), then what single events tell
// (domain.EventConsequence).
type draft struct {
	Tenant    domain.TenantID     `json:"tenant"`
	Position  eventstore.Position `json:"position"` // of the command's first event
	EventID   string              `json:"event_id"` // of the command's first event
	Version   int64               `json:"version"`  // in the tenant's stream, of the first event
	At        time.Time           `json:"at"`
	Remaining int                 `json:"remaining"` // of the command's events still to come
	// Type is "" until one of the command's events names it (typeOf); a
	// command none of whose events has a public type is not told.
	Type    string        `json:"type,omitempty"`
	Subject domain.UserID `json:"subject,omitempty"`
	Data    data          `json:"data"`
	// Users are those the command's events concern, in order of first
	// appearance, and Before their facts before the command (absent: the
	// command created them).
	Users  []domain.UserID             `json:"users,omitempty"`
	Before map[domain.UserID]userFacts `json:"before,omitempty"`
	Told   []domain.Consequence        `json:"told,omitempty"`
}

// data is a public event's "data": ids, statuses, roles, the reason and the
// consequences, never a name, an e-mail, an external id or a password hash.
type data struct {
	// Actor is the acting user's id, "scim:<name>" for a SCIM connection,
	// null for the operator or Roster itself.
	Actor  *string `json:"actor"`
	Reason string  `json:"reason,omitempty"`
	// The user's state after the command (user.* types).
	User   domain.UserID `json:"user,omitempty"`
	Kind   domain.Kind   `json:"kind,omitempty"`
	Status domain.Status `json:"status,omitempty"`
	Role   domain.Role   `json:"role,omitempty"`
	// CancelSubscriptions (user.deactivated.v1) is the tenant policy's
	// instruction to billing: cancel the user's active subscriptions.
	CancelSubscriptions *bool `json:"cancel_subscriptions,omitempty"`
	// Work handed off (work.transferred.v1): from whom, to whom (null:
	// nobody), which items.
	From  *domain.UserID      `json:"from,omitempty"`
	To    *domain.UserID      `json:"to,omitempty"`
	Items []domain.WorkItemID `json:"items,omitempty"`
	// The tenant's preset and policy (tenant.created.v1,
	// tenant.policy_changed.v1) and seats (tenant.seats_changed.v1).
	Preset        string         `json:"preset,omitempty"`
	Policy        *domain.Policy `json:"policy,omitempty"`
	Seats         *int           `json:"seats,omitempty"`
	PreviousSeats *int           `json:"previous_seats,omitempty"`
	// Consequences are API.md's, as the command's reply listed them, but
	// for the number of sessions revoked, which only the session store
	// knew at the time.
	Consequences []documents.Consequence `json:"consequences"`
}

// name sets d's type, subject and the data its naming event e tells.
func (d *draft) name(typ string, e domain.Event) {
	d.Type = typ
	switch e := e.(type) {
	case domain.TenantCreated:
		d.Data.Preset, d.Data.Policy = e.Preset, &e.Policy
	case domain.TenantPolicyChanged:
		d.Data.Preset, d.Data.Policy = e.Preset, &e.Policy
	case domain.SeatsChanged:
		d.Data.Seats, d.Data.PreviousSeats = &e.Seats, &e.Previous
	case domain.OwnershipTransferred:
		from, to := e.From, e.To
		d.Subject, d.Data.From, d.Data.Items = from, &from, e.Items
		if to != "" {
			d.Data.To = &to
		}
	default:
		if subjects := domain.Subjects(e); len(subjects) > 0 {
			d.Subject, d.Data.User = subjects[0], subjects[0]
		}
	}
}

// finish fills in what the command's end tells: the user's state after
// it, the consequences, and the policy's instruction to billing.
func (d *draft) finish(users map[domain.UserID]*userFacts, policy domain.Policy) {
	var all []domain.Consequence
	for _, id := range d.Users {
		now := users[id]
		if now == nil {
			continue
		}
		var was *domain.UserView
		if before, ok := d.Before[id]; ok {
			v := before.view(id, policy)
			was = &v
		}
		all = append(all, domain.UserChanges(was, now.view(id, policy))...)
	}
	all = append(all, d.Told...)
	d.Data.Consequences = documents.NewConsequences(all)
	for i := range d.Data.Consequences {
		d.Data.Consequences[i].Count = nil
	}
	if f := users[d.Data.User]; d.Data.User != "" && f != nil {
		d.Data.Kind, d.Data.Status, d.Data.Role = f.Kind, f.Status, f.Role
	}
	if d.Type == TypeUserDeactivated {
		cancel := policy.DeactivateCancelsSubscriptions
		d.Data.CancelSubscriptions = &cancel
	}
}
