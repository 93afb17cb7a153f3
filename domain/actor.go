package domain

// Actor is who issues a command: a user of the tenant, one of its SCIM
// connections, or the operator (the operator token, or Roster itself acting
// as "system"). The operator bypasses role checks but never the invariants.
type Actor struct {
	User     UserID `json:"user,omitempty"`
	Operator bool   `json:"operator,omitempty"`
	// Connection and ConnectionName name the SCIM connection acting; the
	// name is recorded too, so that the audit trail can attribute a change
	// to "scim:<name>" without a look-up.
	Connection     ConnectionID `json:"connection,omitempty"`
	ConnectionName string       `json:"connection_name,omitempty"`
}

// ID is the actor's id as the audit trail and public events name it: the
// acting user's id, "scim:<name>" for a SCIM connection (":" is in no user
// id, so it names no user), or "" for the operator/system.
func (a Actor) ID() string {
	switch {
	case a.Operator:
		return ""
	case a.Connection != "":
		return "scim:" + a.ConnectionName
	}
	return string(a.User)
}

// UserActor returns the actor for a session of user id.
func UserActor(id UserID) Actor { return Actor{User: id} }

// OperatorActor returns the operator/system actor.
func OperatorActor() Actor { return Actor{Operator: true} }

// ConnectionActor returns the actor for a request of the SCIM connection id
// named name.
func ConnectionActor(id ConnectionID, name string) Actor {
	return Actor{Connection: id, ConnectionName: name}
}
