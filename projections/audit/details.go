package audit

import (
	"time"

	"github.com/rosterhq/roster/domain"
)

// Details returns the event's non-personal fields as the audit entry's
// "details" object: roles, statuses, teams, items, the users involved
// besides the target (by id). It never includes personal data (the "pii"
// of an event) nor the e-mail blind index; events with nothing more to say
// than their action and target give an empty object.
func Details(d domain.Event) map[string]any {
	if m := userDetails(d); m != nil {
		return m
	}
	if m := otherDetails(d); m != nil {
		return m
	}
	return map[string]any{}
}

// userDetails covers the events about one user; nil for any other event.
func userDetails(d domain.Event) map[string]any {
	switch d := d.(type) {
	case domain.UserInvited:
		return map[string]any{"role": d.Role, "kind": d.Kind}
	case domain.UserDeactivated:
		if d.AllowReactivationOnPurchase {
			return map[string]any{"allow_reactivation_on_purchase": true}
		}
	case domain.UserBlocked:
		return map[string]any{"previous_status": d.PreviousStatus}
	case domain.UserUnblocked:
		return map[string]any{"status": d.Status}
	case domain.SessionsRevoked:
		details := map[string]any{"revoked_before": d.RevokedBefore.UTC().Format(time.RFC3339Nano)}
		if d.Kept != "" { // the user changed their own password and kept the session they did it with
			details["kept_current_session"] = true
		}
		return details
	case domain.RoleChanged:
		return map[string]any{"from": d.From, "to": d.To}
	case domain.TeamJoined:
		return map[string]any{"team": d.Team}
	case domain.TeamLeft:
		return map[string]any{"team": d.Team}
	}
	return nil // UserActivated, UserReactivated, PasswordSet, UserDeleted, CustomerEmail*: nothing more
}

// otherDetails covers tenant, team and work events; nil for any other event.
func otherDetails(d domain.Event) map[string]any {
	switch d := d.(type) {
	case domain.TenantCreated:
		return map[string]any{"name": d.Name, "preset": d.Preset}
	case domain.TenantPolicyChanged:
		return map[string]any{"preset": d.Preset}
	case domain.SeatsChanged:
		return map[string]any{"seats": d.Seats, "previous": d.Previous}
	case domain.TeamDefined:
		return map[string]any{"team": d.Team, "name": d.Name}
	case domain.TeamLeaderAssigned:
		return map[string]any{"team": d.Team, "leader": d.Leader, "previous": d.Previous}
	case domain.WorkAssigned:
		return map[string]any{"item": d.Item, "kind": d.Kind, "assignee": d.Assignee, "previous": d.Previous}
	case domain.OwnershipTransferred:
		return map[string]any{"from": d.From, "to": d.To, "items": d.Items}
	}
	return nil
}
