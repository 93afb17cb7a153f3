package domain

import (
	"slices"
	"time"
)

// ConsequenceKind names one kind of consequence of a command (API.md's
// Consequence "kind").
type ConsequenceKind string

// The kinds of consequence a command's events may have.
const (
	ConsequenceStatusChanged      ConsequenceKind = "status_changed"
	ConsequenceRoleChanged        ConsequenceKind = "role_changed"
	ConsequenceSessionsRevoked    ConsequenceKind = "sessions_revoked"
	ConsequenceSeatFreed          ConsequenceKind = "seat_freed"
	ConsequenceSeatTaken          ConsequenceKind = "seat_taken"
	ConsequenceWorkMoved          ConsequenceKind = "work_moved"
	ConsequenceTeamLeft           ConsequenceKind = "team_left"
	ConsequenceTeamLeadershipLost ConsequenceKind = "team_leadership_lost"
	ConsequenceEmailBlocklisted   ConsequenceKind = "email_blocklisted"
	ConsequencePersonalDataErased ConsequenceKind = "personal_data_erased"
)

// Consequence is one effect of a command on the tenant, told in the terms an
// admin confirms an action in: whose status or role changes, which sessions
// die, which seat is freed, which work moves where, which teams are left.
// It is derived from the command's events and the states before and after
// them (Impact), never decided separately, so a preview and the real call
// cannot tell different stories.
type Consequence struct {
	Kind ConsequenceKind `json:"kind"`
	// User is whom the consequence concerns; for work_moved, From.
	User UserID `json:"user,omitempty"`
	// From and To: statuses for status_changed, roles for role_changed,
	// user ids ("" for nobody) for work_moved.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Items are the work items moved, sorted.
	Items []WorkItemID `json:"items,omitempty"`
	// Team is the team left, or whose leadership is lost.
	Team TeamID `json:"team,omitempty"`
	// Sessions says, for sessions_revoked, which of the user's sessions
	// die: those alive before the command and not after. Counting them needs
	// the session store; Count is the number once counted.
	Sessions *SessionLoss `json:"-"`
	Count    int          `json:"count"`
}

// SessionLoss tells which sessions of a user a command ends.
type SessionLoss struct {
	Before, After SessionRule
}

// Dies reports whether the session s is alive before the command and not
// after it.
func (l SessionLoss) Dies(s SessionRef) bool {
	return l.Before.Admits(s) && !l.After.Admits(s)
}

// SessionRule is what decides whether a user's session is good: whether
// the user may log in at all, and their latest revocation.
type SessionRule struct {
	CanLogin      bool
	RevokedBefore time.Time
	Kept          string
}

// Admits reports whether session s is good under the rule.
func (r SessionRule) Admits(s SessionRef) bool {
	return r.CanLogin && sessionAlive(r.RevokedBefore, r.Kept, s.Ref, s.IssuedAt)
}

func sessionRuleOf(v UserView) SessionRule {
	return SessionRule{CanLogin: v.CanLogin, RevokedBefore: v.SessionsRevokedBefore, Kept: v.KeptSession}
}

// Impact holds what a command's consequences are measured against: the
// users its events concern, as they were before the events were applied.
// Take it on the state the command was decided on, apply the events (to
// that state or a copy of it), then ask Consequences of the state after.
type Impact struct {
	events []Event
	users  []UserID             // in order of first appearance
	before map[UserID]*UserView // nil entry: the user did not exist yet
}

// MeasureImpact records, from s before events are applied to it, the users
// the events concern. It copies only those users, so it costs little on a
// tenant of any size.
func MeasureImpact(s *Tenant, events []Event) Impact {
	im := Impact{events: events, before: map[UserID]*UserView{}}
	for _, e := range events {
		for _, id := range Subjects(e) {
			if _, seen := im.before[id]; seen {
				continue
			}
			im.users = append(im.users, id)
			im.before[id] = nil
			if v, ok := s.User(id); ok {
				im.before[id] = &v
			}
		}
	}
	return im
}

// Consequences lists the effects of the measured events, after is the state
// with them applied: first each user's change of status, role, seat and
// sessions (users in the order the events name them), then what single
// events tell (teams left, leadership lost, work moved, e-mail blocklisted,
// personal data erased) in event order. It is never nil.
func (im Impact) Consequences(after *Tenant) []Consequence {
	out := []Consequence{}
	for _, id := range im.users {
		now, ok := after.User(id)
		if !ok {
			continue
		}
		out = append(out, UserChanges(im.before[id], now)...)
	}
	for _, e := range im.events {
		if c, ok := EventConsequence(e); ok {
			out = append(out, c)
		}
	}
	return out
}

// UserChanges is what changed about one user: status, role, sessions, seat;
// was is nil for a user the command created. Consequences lists these
// first; public events, which keep their own facts about users, call it
// with views built from them.
func UserChanges(was *UserView, now UserView) []Consequence {
	var out []Consequence
	if was == nil { // created by the command: it takes a seat or not
		if now.ConsumesSeat {
			out = append(out, Consequence{Kind: ConsequenceSeatTaken, User: now.ID})
		}
		return out
	}
	if was.Status != now.Status {
		out = append(out, Consequence{Kind: ConsequenceStatusChanged, User: now.ID, From: string(was.Status), To: string(now.Status)})
	}
	if was.Role != now.Role {
		out = append(out, Consequence{Kind: ConsequenceRoleChanged, User: now.ID, From: string(was.Role), To: string(now.Role)})
	}
	if loss := (SessionLoss{Before: sessionRuleOf(*was), After: sessionRuleOf(now)}); loss.possible() {
		out = append(out, Consequence{Kind: ConsequenceSessionsRevoked, User: now.ID, Sessions: &loss})
	}
	switch {
	case was.ConsumesSeat && !now.ConsumesSeat:
		out = append(out, Consequence{Kind: ConsequenceSeatFreed, User: now.ID})
	case !was.ConsumesSeat && now.ConsumesSeat:
		out = append(out, Consequence{Kind: ConsequenceSeatTaken, User: now.ID})
	}
	return out
}

// possible reports whether any session could die: one good before could
// be refused after.
func (l SessionLoss) possible() bool {
	b, a := l.Before, l.After
	if !b.CanLogin {
		return false
	}
	return !a.CanLogin || a.RevokedBefore.After(b.RevokedBefore) || a.Kept != b.Kept && b.Kept != ""
}

// EventConsequence is the consequence a single event tells by itself.
func EventConsequence(e Event) (Consequence, bool) {
	switch e := e.(type) {
	case TeamLeft:
		return Consequence{Kind: ConsequenceTeamLeft, User: e.User, Team: e.Team}, true
	case TeamLeaderAssigned:
		if e.Previous != "" && e.Previous != e.Leader {
			return Consequence{Kind: ConsequenceTeamLeadershipLost, User: e.Previous, Team: e.Team}, true
		}
	case OwnershipTransferred:
		return Consequence{Kind: ConsequenceWorkMoved, User: e.From, From: string(e.From), To: string(e.To), Items: slices.Clone(e.Items)}, true
	case WorkAssigned:
		if e.Previous != e.Assignee {
			return Consequence{Kind: ConsequenceWorkMoved, User: e.Previous, From: string(e.Previous), To: string(e.Assignee), Items: []WorkItemID{e.Item}}, true
		}
	case CustomerEmailBlocked:
		return Consequence{Kind: ConsequenceEmailBlocklisted, User: e.User}, true
	case UserDeleted:
		return Consequence{Kind: ConsequencePersonalDataErased, User: e.User}, true
	}
	return Consequence{}, false
}
