package domain

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
)

// SeatLimit says whether seats purchased cap seats used.
type SeatLimit string

// The seat limit modes.
const (
	// SeatLimitEnforce refuses any change that would need a seat when none is free.
	SeatLimitEnforce SeatLimit = "enforce"
	// SeatLimitIgnore lets seats used exceed seats purchased (billed per user instead).
	SeatLimitIgnore SeatLimit = "ignore"
)

// Handoff says where a deactivated user's work items go.
type Handoff string

// The handoff modes.
const (
	// HandoffKeep leaves items assigned to the deactivated user.
	HandoffKeep Handoff = "keep"
	// HandoffTeamLeader moves items to the leader of the user's team, else of
	// the first team (by team id) that has one, else keeps them.
	HandoffTeamLeader Handoff = "team_leader"
	// HandoffUnassigned leaves items without an assignee.
	HandoffUnassigned Handoff = "unassigned"
)

// ScimDelete says what a SCIM DELETE of a user does.
type ScimDelete string

// The SCIM deletion modes.
const (
	// ScimDeleteDeactivate deactivates the user: history and seat rules stay.
	ScimDeleteDeactivate ScimDelete = "deactivate"
	// ScimDeleteDelete deletes the user for good (erasure).
	ScimDeleteDelete ScimDelete = "delete"
)

// MaxDaysWithoutLogin bounds deactivate_after_days_without_login: ten years.
const MaxDaysWithoutLogin = 3650

// Policy holds the knobs on which the products Roster serves differ. Treat
// it as a value: PresetPolicy, Apply and Tenant.Policy return policies whose
// ManagersOfUsers slice is fresh, ordered highest role first, without
// duplicates.
type Policy struct {
	InactiveCanLogin               bool      `json:"inactive_can_login"`
	DeactivateRevokesSessions      bool      `json:"deactivate_revokes_sessions"`
	InactiveConsumesSeat           bool      `json:"inactive_consumes_seat"`
	SeatLimit                      SeatLimit `json:"seat_limit"`
	DeletionAllowed                bool      `json:"deletion_allowed"`
	ProtectSoleOwner               bool      `json:"protect_sole_owner"`
	ManagersOfUsers                []Role    `json:"managers_of_users"`
	ForbidHigherRoleTarget         bool      `json:"forbid_higher_role_target"`
	ForbidDeactivatingTeamLeader   bool      `json:"forbid_deactivating_team_leader"`
	HandoffOnDeactivate            Handoff   `json:"handoff_on_deactivate"`
	DeactivateLeavesTeams          bool      `json:"deactivate_leaves_teams"`
	DeleteUnassigns                bool      `json:"delete_unassigns"`
	CustomerReactivationOnPurchase bool      `json:"customer_reactivation_on_purchase"`
	// DeactivateAfterDaysWithoutLogin, when positive, has Roster deactivate
	// active staff whose last login (or activation, if they never logged
	// in) is older than that many days; 0 is off.
	DeactivateAfterDaysWithoutLogin int `json:"deactivate_after_days_without_login"`
	// DeactivateCancelsSubscriptions puts "cancel_subscriptions" on the
	// public deactivation event, the instruction billing acts on.
	DeactivateCancelsSubscriptions bool       `json:"deactivate_cancels_subscriptions"`
	ScimDelete                     ScimDelete `json:"scim_delete"`
}

// UnmarshalJSON reads a policy as recorded, giving a knob added since it
// was recorded its default (scim_delete: deactivate; the others' zero
// values are their defaults), so that events, snapshots and read models
// written before the knob existed read as a valid policy.
func (p *Policy) UnmarshalJSON(b []byte) error {
	type recorded Policy // without this method
	var r recorded
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	*p = Policy(r)
	if p.ScimDelete == "" {
		p.ScimDelete = ScimDeleteDeactivate
	}
	return nil
}

// PolicyPatch overrides single knobs of a Policy: a nil field keeps the
// knob. ManagersOfUsers is nil to keep and non-nil (even empty) to replace.
type PolicyPatch struct {
	InactiveCanLogin                *bool       `json:"inactive_can_login,omitempty"`
	DeactivateRevokesSessions       *bool       `json:"deactivate_revokes_sessions,omitempty"`
	InactiveConsumesSeat            *bool       `json:"inactive_consumes_seat,omitempty"`
	SeatLimit                       *SeatLimit  `json:"seat_limit,omitempty"`
	DeletionAllowed                 *bool       `json:"deletion_allowed,omitempty"`
	ProtectSoleOwner                *bool       `json:"protect_sole_owner,omitempty"`
	ManagersOfUsers                 []Role      `json:"managers_of_users,omitempty"`
	ForbidHigherRoleTarget          *bool       `json:"forbid_higher_role_target,omitempty"`
	ForbidDeactivatingTeamLeader    *bool       `json:"forbid_deactivating_team_leader,omitempty"`
	HandoffOnDeactivate             *Handoff    `json:"handoff_on_deactivate,omitempty"`
	DeactivateLeavesTeams           *bool       `json:"deactivate_leaves_teams,omitempty"`
	DeleteUnassigns                 *bool       `json:"delete_unassigns,omitempty"`
	CustomerReactivationOnPurchase  *bool       `json:"customer_reactivation_on_purchase,omitempty"`
	DeactivateAfterDaysWithoutLogin *int        `json:"deactivate_after_days_without_login,omitempty"`
	DeactivateCancelsSubscriptions  *bool       `json:"deactivate_cancels_subscriptions,omitempty"`
	ScimDelete                      *ScimDelete `json:"scim_delete,omitempty"`
}

// Apply returns p with every knob set in patch overridden, normalised.
// It does not validate: call Validate on the result.
func (p Policy) Apply(patch PolicyPatch) Policy {
	set(&p.InactiveCanLogin, patch.InactiveCanLogin)
	set(&p.DeactivateRevokesSessions, patch.DeactivateRevokesSessions)
	set(&p.InactiveConsumesSeat, patch.InactiveConsumesSeat)
	set(&p.SeatLimit, patch.SeatLimit)
	set(&p.DeletionAllowed, patch.DeletionAllowed)
	set(&p.ProtectSoleOwner, patch.ProtectSoleOwner)
	set(&p.ForbidHigherRoleTarget, patch.ForbidHigherRoleTarget)
	set(&p.ForbidDeactivatingTeamLeader, patch.ForbidDeactivatingTeamLeader)
	set(&p.HandoffOnDeactivate, patch.HandoffOnDeactivate)
	set(&p.DeactivateLeavesTeams, patch.DeactivateLeavesTeams)
	set(&p.DeleteUnassigns, patch.DeleteUnassigns)
	set(&p.CustomerReactivationOnPurchase, patch.CustomerReactivationOnPurchase)
	set(&p.DeactivateAfterDaysWithoutLogin, patch.DeactivateAfterDaysWithoutLogin)
	set(&p.DeactivateCancelsSubscriptions, patch.DeactivateCancelsSubscriptions)
	set(&p.ScimDelete, patch.ScimDelete)
	if patch.ManagersOfUsers != nil {
		p.ManagersOfUsers = patch.ManagersOfUsers
	}
	return p.normalized()
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// normalized copies ManagersOfUsers into a fresh slice ordered highest role
// first without duplicates, so that equal sets compare equal and no two
// policies share a backing array.
func (p Policy) normalized() Policy {
	roles := slices.Clone(p.ManagersOfUsers)
	sort.SliceStable(roles, func(i, j int) bool { return roles[i].Outranks(roles[j]) })
	p.ManagersOfUsers = slices.Compact(roles)
	if p.ManagersOfUsers == nil {
		p.ManagersOfUsers = []Role{}
	}
	return p
}

// Validate returns an invalid *Error naming the first knob with a value
// outside its enumeration, or nil.
func (p Policy) Validate() error {
	if p.SeatLimit != SeatLimitEnforce && p.SeatLimit != SeatLimitIgnore {
		return errInvalidField("seat_limit", "seat_limit must be enforce or ignore, not %s", Quote(string(p.SeatLimit)))
	}
	switch p.HandoffOnDeactivate {
	case HandoffKeep, HandoffTeamLeader, HandoffUnassigned:
	default:
		return errInvalidField("handoff_on_deactivate", "handoff_on_deactivate must be keep, team_leader or unassigned, not %s",
			Quote(string(p.HandoffOnDeactivate)))
	}
	if p.ScimDelete != ScimDeleteDeactivate && p.ScimDelete != ScimDeleteDelete {
		return errInvalidField("scim_delete", "scim_delete must be deactivate or delete, not %s", Quote(string(p.ScimDelete)))
	}
	if p.DeactivateAfterDaysWithoutLogin < 0 || p.DeactivateAfterDaysWithoutLogin > MaxDaysWithoutLogin {
		return errInvalidField("deactivate_after_days_without_login", "deactivate_after_days_without_login must be 0 (off) to %d days", MaxDaysWithoutLogin)
	}
	for _, r := range p.ManagersOfUsers {
		if !r.Valid() {
			return errInvalidField("managers_of_users", "managers_of_users holds %s, which is not a role", Quote(string(r)))
		}
	}
	return checkManagers(p.ManagersOfUsers)
}

// checkManagers refuses a set of managers of users that leaves nobody able
// to manage users, or leaves out the owners: whoever else a tenant trusts
// with its users, its owners must never lose that right, or a tenant could
// lock itself out of its own user management with one PATCH.
func checkManagers(roles []Role) error {
	switch {
	case len(roles) == 0:
		return errInvalidField("managers_of_users", "managers_of_users cannot be empty: nobody could manage users; owners always do")
	case !slices.Contains(roles, RoleOwner):
		return errInvalidField("managers_of_users", "managers_of_users must include owner: owners always manage users")
	}
	return nil
}

// withOwnersManaging returns p with owner among the managers of users, for
// the policy Evolve applies: Validate refuses any other since owners always
// manage users, and a history stored before that rule must not take the
// right from them either.
func (p Policy) withOwnersManaging() Policy {
	if !slices.Contains(p.ManagersOfUsers, RoleOwner) {
		p.ManagersOfUsers = append(slices.Clone(p.ManagersOfUsers), RoleOwner)
	}
	return p.normalized()
}

// Equal reports whether p and q have the same knobs, managers compared as sets.
func (p Policy) Equal(q Policy) bool {
	// A slice field makes Policy incomparable with ==; the canonical JSON
	// form compares every knob without a hand-written list that could
	// forget a future one.
	a, errA := json.Marshal(p.normalized())
	b, errB := json.Marshal(q.normalized())
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// Manages reports whether a user of role r may manage other users. A
// tenant's policy (Tenant.Policy) always counts owners among them.
func (p Policy) Manages(r Role) bool { return slices.Contains(p.ManagersOfUsers, r) }

// CanLogin reports whether a user in status st may log in: active always,
// inactive only when InactiveCanLogin, never invited, blocked or deleted.
func (p Policy) CanLogin(st Status) bool {
	return st == StatusActive || st == StatusInactive && p.InactiveCanLogin
}

// Assignable reports whether a user may be given new work: only active staff.
// Customers are excluded because work items are owned by staff; the
// policy does not matter today but is the receiver so that a future knob can.
func (p Policy) Assignable(k Kind, st Status) bool {
	return k == KindMember && st == StatusActive
}

// ConsumesSeat reports whether a user takes a licence seat: never customers
// nor deleted users; invited and active staff always; inactive and blocked
// staff only when InactiveConsumesSeat.
func (p Policy) ConsumesSeat(k Kind, st Status) bool {
	if k != KindMember {
		return false
	}
	switch st {
	case StatusInvited, StatusActive:
		return true
	case StatusInactive, StatusBlocked:
		return p.InactiveConsumesSeat
	}
	return false
}

// Capabilities answers the three capability questions for a user of kind k
// in status st under p.
func (p Policy) Capabilities(k Kind, st Status) Capabilities {
	return Capabilities{
		CanLogin:     p.CanLogin(st),
		Assignable:   p.Assignable(k, st),
		ConsumesSeat: p.ConsumesSeat(k, st),
	}
}

// Capabilities are what a user may do now, derived from status and policy.
type Capabilities struct {
	CanLogin     bool
	Assignable   bool
	ConsumesSeat bool
}
