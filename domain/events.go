package domain

import "time"

// Event is a fact recorded in a tenant's stream. Every event is a value
// struct of this package with a stable catalogue name (EventType) and a
// schema version, both registered in the one registry of registry.go. The
// unexported method seals the set: only this package defines events.
type Event interface {
	// EventType returns the stable catalogue name, e.g. "UserDeactivated";
	// the audit trail shows it as the action.
	EventType() string
	subjects() []UserID
}

// Subjects returns the users whose User resource the event changes; each one's
// Version goes up by one when the event is applied. Work events change work
// items, not users, so they have no subjects.
func Subjects(e Event) []UserID { return e.subjects() }

// Reasons recorded in consequence events, which happen because of another
// event of the same command rather than by anyone's explicit request.
const (
	ReasonDeactivated = "deactivated"
	ReasonBlocked     = "blocked"
	ReasonDeleted     = "deleted"
)

// TenantCreated records a new tenant under a resolved policy.
type TenantCreated struct {
	Tenant TenantID `json:"tenant"`
	Name   string   `json:"name"`
	Preset string   `json:"preset"`
	Policy Policy   `json:"policy"`
}

// TenantPolicyChanged records the tenant's new preset name and full policy.
type TenantPolicyChanged struct {
	Preset string `json:"preset"`
	Policy Policy `json:"policy"`
}

// SeatsChanged records the number of seats purchased.
type SeatsChanged struct {
	Seats    int `json:"seats"`
	Previous int `json:"previous"`
}

// UserInvited records a new user in status invited. PII holds e-mail, name
// and optionally the initial password hash.
type UserInvited struct {
	User       UserID       `json:"user"`
	PII        PersonalData `json:"pii"`
	EmailIndex string       `json:"email_index"`
	Role       Role         `json:"role"`
	Kind       Kind         `json:"kind"`
	// ExternalIDIndex is the blind index of PII.ExternalID, if any.
	ExternalIDIndex string `json:"external_id_index,omitempty"`
}

// UserActivated records an invited user becoming active.
type UserActivated struct {
	User UserID `json:"user"`
}

// UserDeactivated records a user becoming inactive. AllowReactivationOnPurchase
// is the per-deactivation flag of customer_reactivation_on_purchase.
type UserDeactivated struct {
	User                        UserID `json:"user"`
	AllowReactivationOnPurchase bool   `json:"allow_reactivation_on_purchase,omitempty"`
}

// UserReactivated records an inactive user becoming active again.
type UserReactivated struct {
	User UserID `json:"user"`
}

// UserBlocked records a user becoming blocked from PreviousStatus, to which
// UserUnblocked returns.
type UserBlocked struct {
	User           UserID `json:"user"`
	PreviousStatus Status `json:"previous_status"`
}

// UserUnblocked records a blocked user returning to Status.
type UserUnblocked struct {
	User   UserID `json:"user"`
	Status Status `json:"status"`
}

// SessionsRevoked records that every token of User issued before
// RevokedBefore is dead, except the session Kept references, when set: the
// one the user changed their own password with. A later revocation that
// keeps nothing kills it too.
type SessionsRevoked struct {
	User          UserID    `json:"user"`
	RevokedBefore time.Time `json:"revoked_before"`
	Reason        string    `json:"reason,omitempty"`
	Kept          string    `json:"kept,omitempty"`
}

// UserLoggedIn records that the user opened a session at At: the last
// login that automatic deactivation (deactivate_after_days_without_login)
// counts from.
type UserLoggedIn struct {
	User UserID    `json:"user"`
	At   time.Time `json:"at"`
}

// RoleChanged records a user's role going From → To.
type RoleChanged struct {
	User UserID `json:"user"`
	From Role   `json:"from"`
	To   Role   `json:"to"`
}

// PasswordSet records a new password hash, carried in PII.PasswordHash.
type PasswordSet struct {
	User UserID       `json:"user"`
	PII  PersonalData `json:"pii"`
}

// UserDeleted records the terminal deletion of a user: their personal-data
// key is to be destroyed.
type UserDeleted struct {
	User   UserID `json:"user"`
	Reason string `json:"reason,omitempty"`
}

// TeamDefined records a team created or renamed.
type TeamDefined struct {
	Team TeamID `json:"team"`
	Name string `json:"name"`
}

// TeamJoined records a user becoming a member of a team.
type TeamJoined struct {
	Team TeamID `json:"team"`
	User UserID `json:"user"`
}

// TeamLeft records a user ceasing to be a member of a team.
type TeamLeft struct {
	Team TeamID `json:"team"`
	User UserID `json:"user"`
}

// TeamLeaderAssigned records a team's leader becoming Leader ("" for none),
// replacing Previous ("" for none). The leader is always a member.
type TeamLeaderAssigned struct {
	Team     TeamID `json:"team"`
	Leader   UserID `json:"leader"`
	Previous UserID `json:"previous"`
}

// WorkAssigned records a work item, created on first assignment, now of Kind
// and assigned to Assignee ("" for nobody), previously to Previous.
type WorkAssigned struct {
	Item     WorkItemID `json:"item"`
	Kind     string     `json:"kind"`
	Assignee UserID     `json:"assignee"`
	Previous UserID     `json:"previous"`
}

// OwnershipTransferred records Items (sorted) moving from From to To ("" for
// unassigned), by a bulk reassignment or a handoff on deactivation/deletion.
type OwnershipTransferred struct {
	From   UserID       `json:"from"`
	To     UserID       `json:"to"`
	Items  []WorkItemID `json:"items"`
	Reason string       `json:"reason,omitempty"`
}

// CustomerEmailBlocked records a customer's e-mail (by blind index) joining
// the tenant's blocklist, which refuses re-invitation and purchases.
type CustomerEmailBlocked struct {
	User       UserID `json:"user"`
	EmailIndex string `json:"email_index"`
}

// CustomerEmailUnblocked records a customer's e-mail leaving the blocklist.
type CustomerEmailUnblocked struct {
	User       UserID `json:"user"`
	EmailIndex string `json:"email_index"`
}

func one(id UserID) []UserID { return []UserID{id} }

// nonEmpty drops empty ids, for events whose user fields may say "nobody".
func nonEmpty(ids ...UserID) []UserID {
	out := ids[:0]
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// EventType returns "UserLoggedIn".
func (UserLoggedIn) EventType() string { return "UserLoggedIn" }

// EventType returns "TenantCreated".
func (TenantCreated) EventType() string { return "TenantCreated" }

// EventType returns "TenantPolicyChanged".
func (TenantPolicyChanged) EventType() string { return "TenantPolicyChanged" }

// EventType returns "SeatsChanged".
func (SeatsChanged) EventType() string { return "SeatsChanged" }

// EventType returns "UserInvited".
func (UserInvited) EventType() string { return "UserInvited" }

// EventType returns "UserActivated".
func (UserActivated) EventType() string { return "UserActivated" }

// EventType returns "UserDeactivated".
func (UserDeactivated) EventType() string { return "UserDeactivated" }

// EventType returns "UserReactivated".
func (UserReactivated) EventType() string { return "UserReactivated" }

// EventType returns "UserBlocked".
func (UserBlocked) EventType() string { return "UserBlocked" }

// EventType returns "UserUnblocked".
func (UserUnblocked) EventType() string { return "UserUnblocked" }

// EventType returns "SessionsRevoked".
func (SessionsRevoked) EventType() string { return "SessionsRevoked" }

// EventType returns "RoleChanged".
func (RoleChanged) EventType() string { return "RoleChanged" }

// EventType returns "PasswordSet".
func (PasswordSet) EventType() string { return "PasswordSet" }

// EventType returns "UserDeleted".
func (UserDeleted) EventType() string { return "UserDeleted" }

// EventType returns "TeamDefined".
func (TeamDefined) EventType() string { return "TeamDefined" }

// EventType returns "TeamJoined".
func (TeamJoined) EventType() string { return "TeamJoined" }

// EventType returns "TeamLeft".
func (TeamLeft) EventType() string { return "TeamLeft" }

// EventType returns "TeamLeaderAssigned".
func (TeamLeaderAssigned) EventType() string { return "TeamLeaderAssigned" }

// EventType returns "WorkAssigned".
func (WorkAssigned) EventType() string { return "WorkAssigned" }

// EventType returns "OwnershipTransferred".
func (OwnershipTransferred) EventType() string { return "OwnershipTransferred" }

// EventType returns "CustomerEmailBlocked".
func (CustomerEmailBlocked) EventType() string { return "CustomerEmailBlocked" }

// EventType returns "CustomerEmailUnblocked".
func (CustomerEmailUnblocked) EventType() string { return "CustomerEmailUnblocked" }

func (TenantCreated) subjects() []UserID          { return nil }
func (TenantPolicyChanged) subjects() []UserID    { return nil }
func (SeatsChanged) subjects() []UserID           { return nil }
func (e UserInvited) subjects() []UserID          { return one(e.User) }
func (e UserActivated) subjects() []UserID        { return one(e.User) }
func (e UserDeactivated) subjects() []UserID      { return one(e.User) }
func (e UserReactivated) subjects() []UserID      { return one(e.User) }
func (e UserBlocked) subjects() []UserID          { return one(e.User) }
func (e UserUnblocked) subjects() []UserID        { return one(e.User) }
func (e SessionsRevoked) subjects() []UserID      { return one(e.User) }
func (e UserLoggedIn) subjects() []UserID         { return one(e.User) }
func (e RoleChanged) subjects() []UserID          { return one(e.User) }
func (e PasswordSet) subjects() []UserID          { return one(e.User) }
func (e UserDeleted) subjects() []UserID          { return one(e.User) }
func (TeamDefined) subjects() []UserID            { return nil }
func (e TeamJoined) subjects() []UserID           { return one(e.User) }
func (e TeamLeft) subjects() []UserID             { return one(e.User) }
func (e TeamLeaderAssigned) subjects() []UserID   { return nonEmpty(e.Leader, e.Previous) }
func (WorkAssigned) subjects() []UserID           { return nil }
func (OwnershipTransferred) subjects() []UserID   { return nil }
func (e CustomerEmailBlocked) subjects() []UserID { return one(e.User) }
func (e CustomerEmailUnblocked) subjects() []UserID {
	return one(e.User)
}
