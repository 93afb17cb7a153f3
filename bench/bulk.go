package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/sessionstore"
)

// bulkSize is how many users one bulk deactivates (API.md's most).
const bulkSize = execution.MaxActions

// runBulk compares one atomic bulk deactivating 1,000 users of a
// 100,000-user tenant with the same tenant's 1,000 single deactivation
// commands, and with one UPDATE … WHERE id = ANY($1) of 1,000 rows of a
// users table of the same size; the three alternate within each round, on
// users none of them touched before. The command side counts the sessions
// that die, as the service wires it.
func runBulk(ctx context.Context, e *env) ([]result, error) {
	c, err := newCommandEnv(e, func(cfg *execution.Config) { cfg.Sessions = sessionstore.New(e.pool) })
	if err != nil {
		return nil, err
	}
	defer c.close()
	tenant := domain.TenantID(fmt.Sprintf("bulk-%x", time.Now().UnixNano()))
	if err := seedTenant(ctx, c.store, c.emails, tenant, bigTenantUsers); err != nil {
		return nil, err
	}
	if err := seedUsersTable(ctx, e); err != nil {
		return nil, err
	}
	if err := c.toggle(ctx, tenant, "u-0", true); err != nil { // loads the tenant outside the measurement
		return nil, err
	}
	next := 1 // the next user none of the measurements has touched
	users := func() []domain.UserID {
		ids := make([]domain.UserID, bulkSize)
		for i := range ids {
			ids[i] = domain.UserID(fmt.Sprintf("u-%d", next))
			next++
		}
		return ids
	}
	var updates, bulks, singles, appends []float64
	for round := range e.rounds {
		took, err := timed(func() error { return plainBulkUpdate(ctx, e, users()) })
		if err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		updates = append(updates, ms(took))
		if took, err = timed(func() error { return c.bulkDeactivate(ctx, tenant, users()) }); err != nil {
			return nil, fmt.Errorf("bulk: %w", err)
		}
		bulks = append(bulks, ms(took))
		if took, err = timed(func() error { return c.singleDeactivations(ctx, tenant, users()) }); err != nil {
			return nil, fmt.Errorf("single commands: %w", err)
		}
		singles = append(singles, ms(took))
		floor := domain.TenantID(fmt.Sprintf("%s-floor-%d", tenant, round))
		if took, err = timed(func() error { return appendDeactivations(ctx, c, floor, users()) }); err != nil {
			return nil, fmt.Errorf("append alone: %w", err)
		}
		appends = append(appends, ms(took))
	}
	return []result{
		{name: "1,000 deactivations: one atomic bulk vs 1,000 single commands (target: ≥ 10× faster)", unit: "ms",
			baseline: median(singles), subject: median(bulks), target: "≤ 0.1×"},
		{name: "1,000 deactivations: one atomic bulk vs one UPDATE … WHERE id = ANY($1)", unit: "ms",
			baseline: median(updates), subject: median(bulks), target: "≤ 3×"},
		{name: "the floor: appending the bulk's 2,000 events alone vs the same UPDATE", unit: "ms",
			baseline: median(updates), subject: median(appends), target: "—"},
	}, nil
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// plainBulkUpdate is the baseline: the same ids, one statement.
func plainBulkUpdate(ctx context.Context, e *env, users []domain.UserID) error {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = string(u)
	}
	tag, err := e.pool.Exec(ctx, "UPDATE bench_users SET status = 'inactive' WHERE id = ANY($1)", ids)
	if err == nil && tag.RowsAffected() != int64(len(ids)) {
		err = fmt.Errorf("updated %d rows of %d", tag.RowsAffected(), len(ids))
	}
	return err
}

// bulkDeactivate deactivates users with one atomic bulk.
func (c *commandEnv) bulkDeactivate(ctx context.Context, tenant domain.TenantID, users []domain.UserID) error {
	op := domain.OperatorActor()
	actions := make([]commands.BulkAction, len(users))
	for i, u := range users {
		actions[i] = c.handlers.DeactivateUser.InBulk(domain.DeactivateUser{Actor: op, User: u}, "bench")
	}
	res, err := c.handlers.Bulk.Handle(ctx, execution.Envelope{Tenant: tenant}, commands.Bulk{Atomic: true, Actions: actions})
	if err == nil && (res.Refused != nil || !res.Changed) {
		err = fmt.Errorf("the bulk changed nothing (refused at %v)", res.Refused)
	}
	return err
}

// singleDeactivations deactivates users one command after the other.
func (c *commandEnv) singleDeactivations(ctx context.Context, tenant domain.TenantID, users []domain.UserID) error {
	for _, u := range users {
		if err := c.toggle(ctx, tenant, u, true); err != nil {
			return err
		}
	}
	return nil
}

// appendDeactivations appends, with one append to a stream of its own, the
// events a bulk deactivation of users stores under the strict policy (the
// deactivation and the revocation of sessions of each): the part of the
// bulk no decision can make cheaper.
func appendDeactivations(ctx context.Context, c *commandEnv, stream domain.TenantID, users []domain.UserID) error {
	events := make([]domain.Event, 0, 2*len(users))
	now := time.Now()
	for _, u := range users {
		events = append(events, domain.UserDeactivated{User: u}, domain.SessionsRevoked{User: u, RevokedBefore: now, Reason: domain.ReasonDeactivated})
	}
	return appendBatch(ctx, c.store, stream, 0, events)
}
