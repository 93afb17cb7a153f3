package domain

// Metadata is what every stored event carries besides its payload: the
// tenant, who acted (a user, or the operator/system), why, and which request
// it belongs to. It is the event's metadata document in the store; the audit
// trail and replays read it from there. Occurred-at and the event id are
// columns of the store, not fields here.
type Metadata struct {
	Tenant        TenantID `json:"tenant"`
	Actor         Actor    `json:"actor"`
	Reason        string   `json:"reason,omitempty"`
	CorrelationID string   `json:"correlation_id,omitempty"`
	CausationID   string   `json:"causation_id,omitempty"`
}
