package domain

// Actor is who issues a command: a user of the tenant, or the operator (the
// operator token, or Roster itself acting as "system"). The operator bypasses
// role checks but never the invariants.
type Actor struct {
	User     UserID `json:"user,omitempty"`
	Operator bool   `json:"operator,omitempty"`
}

// UserActor returns the actor for a session of user id.
func UserActor(id UserID) Actor { return Actor{User: id} }

// OperatorActor returns the operator/system actor.
func OperatorActor() Actor { return Actor{Operator: true} }
