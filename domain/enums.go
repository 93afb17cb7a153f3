package domain

// Role is a user's rank in a tenant. Roles are ordered, highest first:
// owner, admin, manager, member.
type Role string

// The roles, highest first.
const (
	RoleOwner   Role = "owner"
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleMember  Role = "member"
)

// rank orders roles; zero means not a role.
func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleManager:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Outranks reports whether r ranks strictly above other.
func (r Role) Outranks(other Role) bool { return r.rank() > other.rank() }

// Status is where a user is in their lifecycle.
type Status string

// The statuses. Deleted is terminal.
const (
	// StatusInvited: created, not yet activated.
	StatusInvited Status = "invited"
	// StatusActive: normal working access.
	StatusActive Status = "active"
	// StatusInactive: deactivated; history kept, can come back.
	StatusInactive Status = "inactive"
	// StatusBlocked: access suspended for security reasons.
	StatusBlocked Status = "blocked"
	// StatusDeleted: terminal; personal data erased.
	StatusDeleted Status = "deleted"
)

// Valid reports whether s is one of the five statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusInvited, StatusActive, StatusInactive, StatusBlocked, StatusDeleted:
		return true
	}
	return false
}

// Kind says whether a user is staff or a customer (portal user). Customers
// never consume a seat, are never assignable and always have the member role.
type Kind string

// The kinds of user.
const (
	// KindMember is staff: agent, fieldworker, employee.
	KindMember Kind = "member"
	// KindCustomer is a portal user.
	KindCustomer Kind = "customer"
)

// Valid reports whether k is one of the two kinds.
func (k Kind) Valid() bool { return k == KindMember || k == KindCustomer }
