package domain

import "slices"

// ShapesEveryUser reports whether e, though it names no user, changes what
// every user's view is computed from: the tenant's existence and policy
// (capabilities are derived from it) and the definition of teams (joining a
// team that the state does not know changes nothing).
func ShapesEveryUser(e Event) bool {
	switch e.(type) {
	case TenantCreated, TenantPolicyChanged, TeamDefined:
		return true
	}
	return false
}

// InUserHistory reports whether e belongs to the history of user id: the
// events from which Evolve rebuilds that user's view exactly as a replay of
// the whole stream does (stream versions aside, which count every event).
//
// It is exact because Evolve changes a user only for events that name them
// among their Subjects, and a user's view reads of the rest of the state only
// the policy, the existence of their teams and, for leads, whether each of
// their teams is led by them — which only events naming them as leader or
// previous leader (TeamLeaderAssigned, whose Previous Decide sets to the
// current leader), or as the member leaving (TeamLeft, UserDeleted), change.
// A team led by someone else may show another non-leader in a partial
// replay, which no view of this user can tell.
func InUserHistory(e Event, id UserID) bool {
	return ShapesEveryUser(e) || slices.Contains(e.subjects(), id)
}
