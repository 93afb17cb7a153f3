package writeapi

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

func teamOf(r *http.Request) domain.TeamID { return domain.TeamID(chi.URLParam(r, "team")) }

type teamBody struct {
	Name   string                  `json:"name"`
	Leader nullable[domain.UserID] `json:"leader"`
}

// defineTeam answers PUT /v1/tenants/{tenant}/teams/{team}: leader absent
// keeps the current leader, null removes it.
func (a *API) defineTeam(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.DefineTeam, renderTeam, false, func(p access.Principal, r *http.Request, b teamBody) (request[domain.DefineTeam], error) {
		leader, err := leaderOf("leader", b.Leader)
		return request[domain.DefineTeam]{in: domain.DefineTeam{Actor: p.Actor(), Team: teamOf(r), Name: b.Name, Leader: leader}}, err
	})
}

// leaderOf is a leader field as the domain takes it: nil keeps, "" removes.
// JSON says nobody with null; a string must be a user id, and "" is refused
// (field names it) rather than read as nobody, which the domain could not
// tell apart.
func leaderOf(field string, n nullable[domain.UserID]) (*domain.UserID, error) {
	switch {
	case !n.Set:
		return nil, nil
	case n.Null:
		none := domain.UserID("")
		return &none, nil
	}
	return &n.Value, n.Value.Check(field)
}

// joinTeam answers PUT /v1/tenants/{tenant}/teams/{team}/members/{user}.
func (a *API) joinTeam(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.JoinTeam, renderTeam, false, func(p access.Principal, r *http.Request, _ struct{}) (request[domain.JoinTeam], error) {
		return request[domain.JoinTeam]{in: domain.JoinTeam{Actor: p.Actor(), Team: teamOf(r), User: userOf(r)}}, nil
	})
}

// leaveTeam answers DELETE /v1/tenants/{tenant}/teams/{team}/members/{user}.
func (a *API) leaveTeam(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.LeaveTeam, renderTeam, false, func(p access.Principal, r *http.Request, _ struct{}) (request[domain.LeaveTeam], error) {
		return request[domain.LeaveTeam]{in: domain.LeaveTeam{Actor: p.Actor(), Team: teamOf(r), User: userOf(r)}}, nil
	})
}

type leaderBody struct {
	User nullable[domain.UserID] `json:"user"`
}

// assignTeamLeader answers PUT /v1/tenants/{tenant}/teams/{team}/leader.
func (a *API) assignTeamLeader(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.AssignTeamLeader, renderTeam, false, func(p access.Principal, r *http.Request, b leaderBody) (request[domain.AssignTeamLeader], error) {
		if !b.User.Set {
			return request[domain.AssignTeamLeader]{}, domain.InvalidField("user", `user is required (a user id, or null for nobody)`)
		}
		leader, err := leaderOf("user", b.User)
		return request[domain.AssignTeamLeader]{in: domain.AssignTeamLeader{Actor: p.Actor(), Team: teamOf(r), User: leader}}, err
	})
}

type workBody struct {
	Kind     string                  `json:"kind"`
	Assignee nullable[domain.UserID] `json:"assignee"`
}

// assignWork answers PUT /v1/tenants/{tenant}/work/{item}.
func (a *API) assignWork(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.AssignWork, a.renderWorkItem, false, func(p access.Principal, r *http.Request, b workBody) (request[domain.AssignWork], error) {
		var assignee *domain.UserID
		if b.Assignee.Set && !b.Assignee.Null {
			assignee = &b.Assignee.Value
		}
		return request[domain.AssignWork]{in: domain.AssignWork{Actor: p.Actor(), Item: domain.WorkItemID(chi.URLParam(r, "item")),
			Kind: b.Kind, Assignee: assignee}}, nil
	})
}

type transferBody struct {
	From   domain.UserID       `json:"from"`
	To     domain.UserID       `json:"to"`
	Items  []domain.WorkItemID `json:"items"`
	Reason string              `json:"reason"`
}

// transferOwnership answers POST /v1/tenants/{tenant}/ownership-transfers.
func (a *API) transferOwnership(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.TransferOwnership, renderMoved, false, func(p access.Principal, _ *http.Request, b transferBody) (request[domain.TransferOwnership], error) {
		// The domain refuses a missing from or to (field names which).
		return request[domain.TransferOwnership]{reason: b.Reason,
			in: domain.TransferOwnership{Actor: p.Actor(), From: b.From, To: b.To, Items: b.Items, Reason: b.Reason}}, nil
	})
}

// moved is the reply of an ownership transfer.
type moved struct {
	Moved int `json:"moved"`
	outcome
}

func renderMoved(_ context.Context, _ domain.TenantID, res execution.Result) (any, error) {
	return moved{Moved: res.Moved, outcome: outcomeOf(res)}, nil
}
