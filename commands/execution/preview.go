package execution

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/domain"
)

// preview decides cmd on the tenant's current state, caught up with the
// stream's tail, and tells what carrying it out would do: the refusal the
// real call would meet, or the result it would answer. It is a dry bulk of
// one action: decided on a fork of the state (executeAll), storing nothing.
func (x *executor) preview(ctx context.Context, env Envelope, cmd domain.Command, shown Shown) (Result, error) {
	bulk, err := x.executeAll(ctx, env, []Action{{Command: cmd, Shown: shown, Reason: env.Reason}}, true)
	switch {
	case err != nil:
		return Result{}, err
	case bulk.Refused != nil:
		return Result{}, bulk.Actions[0].Refusal
	}
	return *bulk.Actions[0].Result, nil
}

// countSessions counts, for each sessions_revoked consequence of results,
// the user's live sessions that die, with one read of the session store.
// It runs once the command is decided (and, for a real one, stored):
// revocations change the write model, not the session store, so the
// sessions counted are the same before and after.
func (e *Engine) countSessions(ctx context.Context, tenant domain.TenantID, results ...*Result) error {
	var losses []*domain.Consequence
	var users []domain.UserID
	for _, res := range results {
		for i := range res.Consequences {
			if c := &res.Consequences[i]; c.Kind == domain.ConsequenceSessionsRevoked && c.Sessions != nil {
				losses, users = append(losses, c), append(users, c.User)
			}
		}
	}
	if e.sessions == nil || len(losses) == 0 {
		return nil
	}
	live, err := e.sessions.LiveSessions(ctx, tenant, users, e.clock())
	if err != nil {
		return fmt.Errorf("execution: count the sessions that end: %w", err)
	}
	for _, c := range losses {
		c.Count = 0
		for _, s := range live[c.User] {
			if c.Sessions.Dies(s) {
				c.Count++
			}
		}
	}
	return nil
}
