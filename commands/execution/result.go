package execution

import (
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// Envelope is what every command carries besides its domain content: where
// it applies, why, and which request it is.
type Envelope struct {
	Tenant domain.TenantID
	// Reason is recorded in every event's metadata (and the audit trail).
	Reason string
	// CorrelationID groups the events of one user-level operation across
	// requests; CausationID (the request id) names this request.
	CorrelationID, CausationID string
	// IdempotencyKey, when set, makes a repeat of this request (same tenant,
	// caller, key and content within 24 h) return the first outcome without
	// effect.
	IdempotencyKey string
	// Caller is who sends the request: a key is theirs alone, so that two
	// callers who happen to choose the same key never see each other's
	// outcome (the zero Actor, for in-process callers, is one caller).
	Caller domain.Actor
	// Session, when set, is the request's session for the command to check
	// as it stores its events (see SessionCheck).
	Session *SessionCheck
}

// Result is the outcome of a command that was carried out (or found to hold
// already). The views describe the affected resource after the command.
type Result struct {
	// Changed is false when the outcome already held and nothing was appended.
	Changed bool `json:"changed"`
	// Position is that of the last event written, or, when nothing changed,
	// of the tenant's last event: a read with it as min_position sees the outcome.
	Position eventstore.Position `json:"position"`
	// Version is the tenant stream's version after the command.
	Version int64 `json:"version"`
	// Events are the types appended, in order.
	Events []string `json:"events,omitempty"`
	// Replayed is true when this is the stored outcome of an earlier request
	// with the same idempotency key.
	Replayed bool `json:"replayed,omitempty"`
	// First is the stream version of the command's first event and At the
	// instant its events carry; both are zero when nothing changed.
	First int64     `json:"first,omitempty"`
	At    time.Time `json:"at,omitzero"`

	User     *domain.UserView     `json:"user,omitempty"`
	Team     *domain.TeamView     `json:"team,omitempty"`
	WorkItem *domain.WorkItemView `json:"work_item,omitempty"`
	Tenant   *TenantView          `json:"tenant,omitempty"`
	// Moved counts the work items an ownership transfer moved.
	Moved int `json:"moved,omitempty"`
	// SessionChecked is true when the envelope's SessionCheck was checked
	// with the append that stored this command's events; never stored with
	// an idempotent outcome (a replay checks nothing).
	SessionChecked bool `json:"-"`

	decided []domain.Event // what was appended, for describers (Decided)
}

// TenantView is a tenant's settings and seat count as the write model has them.
type TenantView struct {
	ID             domain.TenantID `json:"id"`
	Name           string          `json:"name"`
	Preset         string          `json:"preset"`
	Policy         domain.Policy   `json:"policy"`
	SeatsPurchased int             `json:"seats_purchased"`
	SeatsUsed      int             `json:"seats_used"`
	// Version is the stream version of the latest change to the settings.
	Version int64 `json:"version"`
}

// Describer fills a Result's views from the state after the command: the
// use case says which resource its reply shows.
type Describer func(s *domain.Tenant, r *Result)

// Decided returns the events the command appended (none for a replay), for
// describers that summarise them.
func (r *Result) Decided() []domain.Event { return r.decided }

// NewUserID is the id of a user the client did not name: derived from the
// idempotency key (within its caller's keys) when there is one, so that a
// retried creation names the same user (and is recognised as done) instead
// of creating another.
func (env Envelope) NewUserID() domain.UserID {
	if env.IdempotencyKey != "" {
		return domain.UserID(uuid.NewSHA1(eventIDNamespace, []byte(string(env.Tenant)+"\x00"+env.idempotencyName()+"\x00user")).String())
	}
	return domain.UserID(uuid.NewString())
}

// idempotencyName is what the request's key names: the key within its
// caller's keys ("" without a key). Event ids and the ids of users created
// are derived from it, so that two callers' keys never derive the same ids;
// for the zero caller it is the key itself.
func (env Envelope) idempotencyName() string {
	caller := callerOf(env.Caller)
	if env.IdempotencyKey == "" || caller == "" {
		return env.IdempotencyKey
	}
	return caller + "\x00" + env.IdempotencyKey // keys are printable ASCII: no NUL
}

// idempotencyID is the record of the request's key.
func (env Envelope) idempotencyID() IdempotencyID {
	return IdempotencyID{Tenant: string(env.Tenant), Caller: callerOf(env.Caller), Key: env.IdempotencyKey}
}

// callerOf names an actor as the owner of idempotency keys: "operator",
// "user:<id>", or "" for the zero actor.
func callerOf(a domain.Actor) string {
	switch {
	case a.Operator:
		return "operator"
	case a.User != "":
		return "user:" + string(a.User)
	}
	return ""
}
