package domain

import "time"

// Command is a request to change a tenant, answered by Decide. Every command
// is a value struct of this package carrying the Actor who issues it; the
// unexported method seals the set.
type Command interface {
	actor() Actor
}

// OwnerAccount is the first user of a new tenant: an active owner.
type OwnerAccount struct {
	User       UserID
	PII        PersonalData
	EmailIndex string
}

// CreateTenant creates a tenant (operator only) with a preset ("" means
// strict), optional knob overrides, seats purchased and its first owner.
type CreateTenant struct {
	Actor  Actor
	Tenant TenantID
	Name   string
	Preset string
	Patch  *PolicyPatch
	Seats  int
	Owner  OwnerAccount
}

// ChangePolicy changes the tenant's policy (owners only). With Preset the
// policy is reset to that preset and Patch applied on top, dropping earlier
// overrides; without it Patch applies to the current policy.
// IfVersion, when set, is the tenant's version (SettingsVersion) the caller
// saw: the change is refused with version_mismatch if it moved since.
type ChangePolicy struct {
	Actor     Actor
	IfVersion *int64
	Preset    *string
	Patch     PolicyPatch
}

// ChangeSeats sets the number of seats purchased (owners only). IfVersion
// is ChangePolicy's.
type ChangeSeats struct {
	Actor     Actor
	IfVersion *int64
	Seats     int
}

// InviteUser creates a user in status invited, or active when Activate, as
// a member of Teams (which must exist). Kind "" means member.
type InviteUser struct {
	Actor      Actor
	User       UserID
	PII        PersonalData
	EmailIndex string
	// ExternalIDIndex is the blind index of PII.ExternalID ("" for none).
	ExternalIDIndex string
	Role            Role
	Kind            Kind
	Teams           []TeamID
	Activate        bool
}

// ActivateUser makes an invited user active; for an inactive user it is
// ReactivateUser.
type ActivateUser struct {
	Actor     Actor
	User      UserID
	IfVersion *int64
}

// DeactivateUser makes an active or invited user inactive and applies the
// policy's consequences. HandoffTo overrides handoff_on_deactivate: nil
// follows the policy, Unassigned unassigns, a user id hands work to that
// (assignable) user. AllowReactivationOnPurchase is the per-deactivation
// flag of customer_reactivation_on_purchase. At is when sessions die.
type DeactivateUser struct {
	Actor                       Actor
	User                        UserID
	IfVersion                   *int64
	At                          time.Time
	HandoffTo                   *UserID
	AllowReactivationOnPurchase bool
}

// ReactivateUser makes an inactive user active again, lifting a blocklisted
// e-mail: a manual reactivation overrides the blocklist.
type ReactivateUser struct {
	Actor     Actor
	User      UserID
	IfVersion *int64
}

// ReactivateOnPurchase (operator/system only) reactivates the inactive
// customer with that e-mail index whose deactivation allowed it, because
// they bought something.
type ReactivateOnPurchase struct {
	Actor      Actor
	EmailIndex string
}

// BlockUser blocks a user and revokes their sessions as of At.
type BlockUser struct {
	Actor     Actor
	User      UserID
	IfVersion *int64
	At        time.Time
}

// UnblockUser returns a blocked user to the status they had before.
type UnblockUser struct {
	Actor     Actor
	User      UserID
	IfVersion *int64
}

// RevokeSessions kills every token of User issued before At (force logout).
// Users may revoke their own sessions.
type RevokeSessions struct {
	Actor     Actor
	User      UserID
	IfVersion *int64
	At        time.Time
	Reason    string
}

// ChangeRole sets a user's role.
type ChangeRole struct {
	Actor     Actor
	User      UserID
	IfVersion *int64
	Role      Role
}

// SetPassword records a new password hash (computed outside the domain) for
// the actor themselves or, by a manager of users, for another user, and
// revokes the user's sessions as of At. Actors who set their own password
// must have proved that they know the current one (CurrentConfirmed: the
// command side checks it, the domain cannot); the session they did it with,
// Session, when still alive, is kept.
type SetPassword struct {
	Actor            Actor
	User             UserID
	IfVersion        *int64
	PasswordHash     string
	At               time.Time
	CurrentConfirmed bool
	Session          *SessionRef
}

// RecordLogin records that User, whose password was just checked, opens a
// session at At: refused with login_forbidden when the user may not log in
// now (the check of the login, repeated on the current state).
type RecordLogin struct {
	Actor Actor
	User  UserID
	At    time.Time
}

// DeleteUser deletes a user for good; Reason goes into UserDeleted.
type DeleteUser struct {
	Actor     Actor
	User      UserID
	IfVersion *int64
	Reason    string
}

// DefineTeam creates or renames a team. Leader nil keeps the current leader,
// a pointer to "" removes it, a user id makes that user leader (and member).
type DefineTeam struct {
	Actor  Actor
	Team   TeamID
	Name   string
	Leader *UserID
}

// JoinTeam makes a user a member of a team.
type JoinTeam struct {
	Actor Actor
	Team  TeamID
	User  UserID
}

// LeaveTeam removes a user from a team, and from its lead if they lead it.
type LeaveTeam struct {
	Actor Actor
	Team  TeamID
	User  UserID
}

// AssignTeamLeader makes User (nil or "" for nobody) the leader of Team,
// joining them to it first if needed.
type AssignTeamLeader struct {
	Actor Actor
	Team  TeamID
	User  *UserID
}

// AssignWork creates or updates a work item and sets its assignee (nil or
// Unassigned for nobody). Kind "" keeps the item's kind.
type AssignWork struct {
	Actor    Actor
	Item     WorkItemID
	Kind     string
	Assignee *UserID
}

// TransferOwnership moves work items from From to To (a user id or
// Unassigned). Items nil means all of From's items; listed items that From
// no longer holds are skipped, so the event's Items tells what moved.
type TransferOwnership struct {
	Actor  Actor
	From   UserID
	To     UserID
	Items  []WorkItemID
	Reason string
}

func (c CreateTenant) actor() Actor         { return c.Actor }
func (c ChangePolicy) actor() Actor         { return c.Actor }
func (c ChangeSeats) actor() Actor          { return c.Actor }
func (c InviteUser) actor() Actor           { return c.Actor }
func (c ActivateUser) actor() Actor         { return c.Actor }
func (c DeactivateUser) actor() Actor       { return c.Actor }
func (c ReactivateUser) actor() Actor       { return c.Actor }
func (c ReactivateOnPurchase) actor() Actor { return c.Actor }
func (c BlockUser) actor() Actor            { return c.Actor }
func (c UnblockUser) actor() Actor          { return c.Actor }
func (c RevokeSessions) actor() Actor       { return c.Actor }
func (c ChangeRole) actor() Actor           { return c.Actor }
func (c SetPassword) actor() Actor          { return c.Actor }
func (c RecordLogin) actor() Actor          { return c.Actor }
func (c DeleteUser) actor() Actor           { return c.Actor }
func (c DefineTeam) actor() Actor           { return c.Actor }
func (c JoinTeam) actor() Actor             { return c.Actor }
func (c LeaveTeam) actor() Actor            { return c.Actor }
func (c AssignTeamLeader) actor() Actor     { return c.Actor }
func (c AssignWork) actor() Actor           { return c.Actor }
func (c TransferOwnership) actor() Actor    { return c.Actor }

// ActorOf returns the actor who issued cmd, for logging and audit metadata.
func ActorOf(cmd Command) Actor { return cmd.actor() }
