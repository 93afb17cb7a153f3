// Package inactivity deactivates, by itself, the users a tenant's policy
// says have been away too long (deactivate_after_days_without_login): active
// staff whose last login, or activation if they never logged in, is older
// than the knob. It is a thin caller of the same deactivation use case as the
// HTTP API: the policy (the sole owner, team leaders under commerce) holds
// exactly as for an admin's click, and a refusal is never silent.
package inactivity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/domain"
)

// Candidate is an active staff user past their tenant's limit, as the
// users read model knows them.
type Candidate struct {
	Tenant  domain.TenantID
	User    domain.UserID
	Version int64 // the user's version the read model shows: the deactivation expects it
	Days    int   // the tenant's deactivate_after_days_without_login
	// LastLoginAt is zero for a user who never logged in; ActiveSince is
	// when they last became active.
	LastLoginAt, ActiveSince time.Time
}

// Candidates finds who is due.
type Candidates interface {
	// Due lists, across tenants whose knob is on, the active staff whose
	// last login (or activation) is older than the knob at now.
	Due(ctx context.Context, now time.Time) ([]Candidate, error)
}

// Refusals keeps the latest refusal each user's automatic deactivation met,
// for the list of users past the limit to show why they are still active.
type Refusals interface {
	Record(ctx context.Context, tenant domain.TenantID, user domain.UserID, refusal *domain.Error, at time.Time) error
	Clear(ctx context.Context, tenant domain.TenantID, user domain.UserID) error
}

// Scheduler deactivates the users who are due, one pass per Tick.
type Scheduler struct {
	Deactivate commands.Handler[domain.DeactivateUser]
	Candidates Candidates
	Refusals   Refusals
	Clock      func() time.Time // injected: tests drive it
	Log        *slog.Logger

	deactivated, refused atomic.Int64
}

// Pass is what one Tick did.
type Pass struct {
	Deactivated int
	Refused     map[domain.Code]int
	// Skipped are candidates whose user changed since the read model saw
	// them (a login, another command): the next pass looks again.
	Skipped int
}

// Stats are the scheduler's counts since the process started.
func (s *Scheduler) Stats() (deactivated, refused int64) {
	return s.deactivated.Load(), s.refused.Load()
}

// Tick deactivates every user due now, each as its own command by the
// system actor with a reason that says why, expecting the version the read
// model showed: a user who logged in (or changed otherwise) since is left
// for the next pass, never deactivated on stale knowledge; two processes
// ticking at once deactivate a user once.
func (s *Scheduler) Tick(ctx context.Context) (Pass, error) {
	now := s.Clock()
	due, err := s.Candidates.Due(ctx, now)
	if err != nil {
		return Pass{}, fmt.Errorf("inactivity: find who is due: %w", err)
	}
	pass := Pass{Refused: map[domain.Code]int{}}
	for _, c := range due {
		if err := s.deactivate(ctx, c, now, &pass); err != nil {
			return pass, err
		}
	}
	return pass, nil
}

func (s *Scheduler) deactivate(ctx context.Context, c Candidate, now time.Time, pass *Pass) error {
	version := c.Version
	env := execution.Envelope{Tenant: c.Tenant, Reason: reasonFor(c), CorrelationID: "auto-deactivation"}
	res, err := s.Deactivate.Handle(ctx, env, domain.DeactivateUser{Actor: domain.OperatorActor(), User: c.User, IfVersion: &version})
	var refusal *domain.Error
	switch {
	case err == nil && res.Changed:
		pass.Deactivated++
		s.deactivated.Add(1)
		s.Log.Info("automatic deactivation", "tenant", c.Tenant, "user", c.User, "days", c.Days)
		return s.Refusals.Clear(ctx, c.Tenant, c.User)
	case err == nil:
		pass.Skipped++ // already inactive: nothing to do
		return nil
	case !errors.As(err, &refusal) || refusal.Kind().Passing():
		return fmt.Errorf("inactivity: deactivate %s of %s: %w", c.User, c.Tenant, err)
	case refusal.Code == domain.CodeVersionMismatch || refusal.Code == domain.CodeNotFound || refusal.Code == domain.CodeUserDeleted:
		pass.Skipped++ // the user changed since the read model saw them
		return nil
	}
	pass.Refused[refusal.Code]++
	s.refused.Add(1)
	s.Log.Warn("automatic deactivation refused", "tenant", c.Tenant, "user", c.User, "code", refusal.Code, "detail", refusal.Detail)
	return s.Refusals.Record(ctx, c.Tenant, c.User, refusal, now)
}

// reasonFor says why the user is deactivated, as the audit trail shows it.
func reasonFor(c Candidate) string {
	since := "never logged in; active since " + c.ActiveSince.UTC().Format(time.DateOnly)
	if !c.LastLoginAt.IsZero() {
		since = "last login " + c.LastLoginAt.UTC().Format(time.DateOnly)
	}
	return fmt.Sprintf("automatic deactivation by the system: no login for %d days (deactivate_after_days_without_login), %s", c.Days, since)
}

// Run ticks every interval until ctx ends; a failed pass is logged and
// the next one tries again.
func (s *Scheduler) Run(ctx context.Context, every time.Duration) {
	for ctx.Err() == nil {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("automatic deactivation: a pass failed; the next one tries again", "error", err)
		}
		_ = pause.For(ctx, every)
	}
}
