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
	// Part places the event among the events its command appended, so that
	// a reader can tell one command's doing as one fact (public events)
	// even when the feed hands those events over in several batches. Events
	// stored before parts existed have none.
	Part *Part `json:"part,omitempty"`
}

// Part is an event's place among its command's events: number Index
// (from 0) of Of.
type Part struct {
	Index int `json:"index"`
	Of    int `json:"of"`
}
