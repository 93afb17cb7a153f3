package writeapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// bulkBody is the body of POST /v1/tenants/{tenant}/bulk.
type bulkBody struct {
	Atomic  *bool            `json:"atomic"`
	DryRun  bool             `json:"dry_run"`
	Actions []bulkActionBody `json:"actions"`
}

// bulkActionBody is one action: its name, its user, and the fields of the
// single endpoint's body. A field the action does not take is refused.
type bulkActionBody struct {
	Action                      string              `json:"action"`
	User                        domain.UserID       `json:"user"`
	Reason                      string              `json:"reason"`
	HandoffTo                   *domain.UserID      `json:"handoff_to"`
	AllowReactivationOnPurchase bool                `json:"allow_reactivation_on_purchase"`
	Role                        domain.Role         `json:"role"`
	From                        domain.UserID       `json:"from"`
	To                          domain.UserID       `json:"to"`
	Items                       []domain.WorkItemID `json:"items"`
}

// bulkAction turns one action of a bulk into its use case's input, as its
// single endpoint would (field names the action's place in the body).
func (a *API) bulkAction(actor domain.Actor, b bulkActionBody, field string) (commands.BulkAction, error) {
	h := a.Commands
	if err := b.onlyFields(field); err != nil {
		return commands.BulkAction{}, err
	}
	if b.Action != "transfer" && b.User == "" {
		return commands.BulkAction{}, domain.InvalidField(field+".user", "user is required")
	}
	u := b.User
	switch b.Action {
	case "deactivate":
		return h.DeactivateUser.InBulk(domain.DeactivateUser{Actor: actor, User: u, HandoffTo: b.HandoffTo,
			AllowReactivationOnPurchase: b.AllowReactivationOnPurchase}, b.Reason), nil
	case "reactivate":
		return h.ReactivateUser.InBulk(domain.ReactivateUser{Actor: actor, User: u}, b.Reason), nil
	case "activate":
		return h.ActivateUser.InBulk(domain.ActivateUser{Actor: actor, User: u}, b.Reason), nil
	case "block":
		return h.BlockUser.InBulk(domain.BlockUser{Actor: actor, User: u}, b.Reason), nil
	case "unblock":
		return h.UnblockUser.InBulk(domain.UnblockUser{Actor: actor, User: u}, b.Reason), nil
	case "revoke-sessions":
		return h.RevokeSessions.InBulk(domain.RevokeSessions{Actor: actor, User: u, Reason: b.Reason}, b.Reason), nil
	case "change-role":
		if b.Role == "" {
			return commands.BulkAction{}, domain.InvalidField(field+".role", "role is required")
		}
		return h.ChangeRole.InBulk(domain.ChangeRole{Actor: actor, User: u, Role: b.Role}, b.Reason), nil
	case "delete":
		return h.DeleteUser.InBulk(domain.DeleteUser{Actor: actor, User: u, Reason: b.Reason}, b.Reason), nil
	case "transfer":
		from := b.From
		if from == "" {
			from = u
		}
		return h.TransferOwnership.InBulk(domain.TransferOwnership{Actor: actor, From: from, To: b.To, Items: b.Items, Reason: b.Reason}, b.Reason), nil
	}
	return commands.BulkAction{}, domain.InvalidField(field+".action",
		"action must be one of deactivate, reactivate, activate, block, unblock, revoke-sessions, change-role, delete, transfer")
}

// onlyFields refuses the fields b's action does not take: a typo'd or
// misplaced field must fail loudly, as an unknown one does.
func (b bulkActionBody) onlyFields(field string) error {
	given := map[string]bool{"handoff_to": b.HandoffTo != nil, "allow_reactivation_on_purchase": b.AllowReactivationOnPurchase,
		"role": b.Role != "", "from": b.From != "", "to": b.To != "", "items": b.Items != nil}
	takes := map[string][]string{
		"deactivate":  {"handoff_to", "allow_reactivation_on_purchase"},
		"change-role": {"role"},
		"transfer":    {"from", "to", "items"},
	}[b.Action]
	for name, set := range given {
		if set && !slices.Contains(takes, name) {
			return domain.InvalidField(field+"."+name, "%s does not take %s", b.Action, name)
		}
	}
	if b.Action == "transfer" && b.User != "" && b.From != "" {
		return domain.InvalidField(field+".user", "a transfer names its user once: from, or user")
	}
	return nil
}

// bulk answers POST /v1/tenants/{tenant}/bulk.
func (a *API) bulk(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.Bulk, a.renderBulk, false, func(p access.Principal, _ *http.Request, b bulkBody) (request[commands.Bulk], error) {
		if b.Atomic == nil {
			return request[commands.Bulk]{}, domain.InvalidField("atomic", "atomic is required: true (all or nothing) or false (each on its own)")
		}
		if len(b.Actions) == 0 || len(b.Actions) > execution.MaxActions {
			return request[commands.Bulk]{}, domain.InvalidField("actions", "a bulk carries 1 to %d actions", execution.MaxActions)
		}
		in := commands.Bulk{Atomic: *b.Atomic, DryRun: b.DryRun, Actions: make([]commands.BulkAction, len(b.Actions))}
		for i, action := range b.Actions {
			var err error
			if in.Actions[i], err = a.bulkAction(p.Actor(), action, fmt.Sprintf("actions.%d", i)); err != nil {
				return request[commands.Bulk]{}, err
			}
		}
		return request[commands.Bulk]{in: in}, nil
	})
}

// bulkResult is one action's part of a bulk's reply.
type bulkResult struct {
	Index        int                     `json:"index"`
	Status       int                     `json:"status"`
	User         *documents.User         `json:"user,omitempty"`
	Changed      *bool                   `json:"changed,omitempty"`
	Moved        *int                    `json:"moved,omitempty"`
	Consequences []documents.Consequence `json:"consequences,omitempty"`
	Problem      *access.Problem         `json:"problem,omitempty"`
}

// bulkReply is the reply of a bulk carried out (or, dry, previewed).
type bulkReply struct {
	Results  []bulkResult `json:"results"`
	Changed  int          `json:"changed"`
	Position string       `json:"position"`
	DryRun   bool         `json:"dry_run,omitempty"`
}

// renderBulk renders a bulk's result: a result per action, or, for an
// atomic bulk that an action refused, that action's problem and index.
func (a *API) renderBulk(ctx context.Context, tenant domain.TenantID, res execution.Result) (any, error) {
	if res.Refused != nil {
		i := *res.Refused
		return nil, access.Extend(res.Actions[i].Refusal, access.Extra{Index: &i})
	}
	reply := bulkReply{Results: make([]bulkResult, len(res.Actions)), Position: res.Position.String(), DryRun: res.DryRun}
	for i, o := range res.Actions {
		out := bulkResult{Index: i}
		if o.Refusal != nil {
			p := access.ProblemOf(o.Refusal, "")
			out.Status, out.Problem = p.Status, &p
			reply.Results[i] = out
			continue
		}
		done := *o.Result
		out.Status, out.Changed, out.Consequences = http.StatusOK, &done.Changed, documents.NewConsequences(done.Consequences)
		if done.Changed {
			reply.Changed++
		}
		if done.User != nil {
			u, err := a.userDoc(ctx, tenant, *done.User, done)
			if err != nil {
				return nil, err
			}
			out.User = &u
		} else {
			out.Moved = &done.Moved
		}
		reply.Results[i] = out
	}
	return reply, nil
}
