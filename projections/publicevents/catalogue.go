package publicevents

import "github.com/rosterhq/roster/domain"

// The public event types. The suffix is the version of the type's data: a
// change a consumer could trip on is a new type (".v2") told beside the
// old one, never a change of the old one.
const (
	TypeTenantCreated       = "tenant.created.v1"
	TypePolicyChanged       = "tenant.policy_changed.v1"
	TypeSeatsChanged        = "tenant.seats_changed.v1"
	TypeUserInvited         = "user.invited.v1"
	TypeUserActivated       = "user.activated.v1"
	TypeUserDeactivated     = "user.deactivated.v1"
	TypeUserReactivated     = "user.reactivated.v1"
	TypeUserBlocked         = "user.blocked.v1"
	TypeUserUnblocked       = "user.unblocked.v1"
	TypeUserSessionsRevoked = "user.sessions_revoked.v1"
	TypeUserRoleChanged     = "user.role_changed.v1"
	TypeUserProfileChanged  = "user.profile_changed.v1"
	TypeUserDeleted         = "user.deleted.v1"
	TypeWorkTransferred     = "work.transferred.v1"
)

// Types lists every public event type, as the catalogue does.
var Types = []string{
	TypeTenantCreated, TypePolicyChanged, TypeSeatsChanged,
	TypeUserInvited, TypeUserActivated, TypeUserDeactivated, TypeUserReactivated,
	TypeUserBlocked, TypeUserUnblocked, TypeUserSessionsRevoked, TypeUserRoleChanged,
	TypeUserProfileChanged, TypeUserDeleted, TypeWorkTransferred,
}

// typeOf is the public type an internal event gives the command it belongs
// to, when it is the first of the command's events to have one: a
// deactivation's UserDeactivated names it "user.deactivated.v1", and the
// SessionsRevoked after it is then a consequence, while a force-logout's
// SessionsRevoked names its own command. Logins, password changes, teams,
// work assignments and SCIM connections have none.
func typeOf(e domain.Event) (string, bool) {
	switch e.(type) {
	case domain.TenantCreated:
		return TypeTenantCreated, true
	case domain.TenantPolicyChanged:
		return TypePolicyChanged, true
	case domain.SeatsChanged:
		return TypeSeatsChanged, true
	case domain.UserInvited:
		return TypeUserInvited, true
	case domain.UserActivated:
		return TypeUserActivated, true
	case domain.UserDeactivated:
		return TypeUserDeactivated, true
	case domain.UserReactivated:
		return TypeUserReactivated, true
	case domain.UserBlocked:
		return TypeUserBlocked, true
	case domain.UserUnblocked:
		return TypeUserUnblocked, true
	case domain.SessionsRevoked:
		return TypeUserSessionsRevoked, true
	case domain.RoleChanged:
		return TypeUserRoleChanged, true
	case domain.ProfileChanged:
		return TypeUserProfileChanged, true
	case domain.UserDeleted:
		return TypeUserDeleted, true
	case domain.OwnershipTransferred:
		return TypeWorkTransferred, true
	}
	return "", false
}
