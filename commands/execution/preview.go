package execution

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/domain"
)

// preview decides cmd on the tenant's current state, caught up with the
// stream's tail, and tells what carrying it out would do: the refusal the
// real call would meet, or the result it would answer, from a copy of the
// state with the events applied. It stores nothing, and leaves the cached
// state as it was (but for the catch-up).
func (x *executor) preview(ctx context.Context, env Envelope, cmd domain.Command, shown Shown) (Result, error) {
	m, unlock, err := x.models.lockCurrent(ctx, env.Tenant)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	return x.decidePreview(m, env, cmd, shown)
}

// decidePreview is preview's decision on m's state, which it does not change.
func (x *executor) decidePreview(m *writeModel, env Envelope, cmd domain.Command, shown Shown) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil { // in a copy: the cache is untouched
			res, err = Result{}, fmt.Errorf("execution: panic in a preview: %v", p)
		}
	}()
	d := decideOnCurrentState(m.state, &request{env: env, cmd: cmd})
	switch {
	case d.ended:
		return Result{}, ErrSessionEnded
	case d.refusal != nil:
		return Result{}, d.refusal
	case len(d.events) == 0:
		res = x.unchanged(m, shown, m.position)
		res.DryRun = true
		return res, nil
	}
	after := m.state.Fork()
	res = Result{Changed: true, DryRun: true, Position: m.position, Events: eventTypes(d.events),
		First: m.state.Version() + 1, At: x.clock().Truncate(time.Microsecond), previewed: d.events}
	res.Consequences = apply(after, d.events)
	res.Version = after.Version()
	shown.fill(after, d.events, &res)
	return res, nil
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
