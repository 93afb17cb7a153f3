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
	// DryRun asks what the command would do, on the tenant's current state,
	// storing nothing and claiming no Idempotency-Key (Result.DryRun).
	DryRun bool
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
	Tenant   *domain.TenantView   `json:"tenant,omitempty"`
	// Moved counts the work items an ownership transfer moved.
	Moved int `json:"moved,omitempty"`
	// Consequences are the effects of the command's events (none when
	// nothing changed), with the sessions that die counted.
	Consequences []domain.Consequence `json:"consequences,omitempty"`
	// Actions are a bulk's outcomes, one per action in order (ExecuteAll);
	// Refused, when set, is the index of the action that refused an atomic
	// bulk: nothing was stored.
	Actions []ActionOutcome `json:"actions,omitempty"`
	Refused *int            `json:"refused,omitempty"`
	// DryRun is true for the answer to Envelope.DryRun: what the command
	// would do. Nothing was stored; Position is the tenant's last event's,
	// and First and At are what the events would carry.
	DryRun bool `json:"-"`
	// previewed are a dry run's events, which the stream does not hold:
	// the personal data of a user the preview creates is read from them.
	previewed []domain.Event
	// SessionChecked is true when the envelope's SessionCheck was checked
	// with the append that stored this command's events; never stored with
	// an idempotent outcome (a replay checks nothing).
	SessionChecked bool `json:"-"`
}

// Shown names what a command's reply shows, taken by the engine from the
// state after the command: a value, not a function, so that the engine
// never calls back into the use case that named it.
type Shown struct {
	User domain.UserID // the user of this id
	// UserByEmailIndex is the user of this blind e-mail index, when User
	// is not set.
	UserByEmailIndex string
	Team             domain.TeamID     // the team of this id
	WorkItem         domain.WorkItemID // the work item of this id
	Tenant           bool              // the tenant's settings and seats
	// Moved counts the work items the command's ownership transfers moved.
	Moved bool
}

// fill sets r's views from s, the state after the command whose events
// (none for a no-op) were appended.
func (w Shown) fill(s *domain.Tenant, events []domain.Event, r *Result) {
	if w.Tenant && s.Exists() {
		v := s.View()
		r.Tenant = &v
	}
	if u, ok := s.User(w.User); ok && w.User != "" {
		r.User = &u
	} else if u, ok := s.UserByEmailIndex(w.UserByEmailIndex); ok && w.User == "" && w.UserByEmailIndex != "" {
		r.User = &u
	}
	if t, ok := s.Team(w.Team); ok && w.Team != "" {
		r.Team = &t
	}
	if it, ok := s.WorkItem(w.WorkItem); ok && w.WorkItem != "" {
		r.WorkItem = &it
	}
	for _, e := range events {
		if moved, ok := e.(domain.OwnershipTransferred); ok && w.Moved {
			r.Moved += len(moved.Items)
		}
	}
}

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
