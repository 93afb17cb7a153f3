package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
)

// catchUpUsers makes the 1,000,000-event history (invitation + activation each).
const catchUpUsers = 500_000

// runCatchUp times all read models catching up from nothing over 1,000,000
// events, against COPYing the rows they end with into tables of the same
// shape (the least any rebuild must do).
func runCatchUp(ctx context.Context, e *env) ([]result, error) {
	s, err := openMillion(ctx, e)
	if err != nil {
		return nil, err
	}
	defer s.close()
	head, err := s.raw.ReadStream(ctx, domain.TenantStream("million"), 2*catchUpUsers, 10)
	if err != nil || len(head) == 0 {
		return nil, fmt.Errorf("seeded stream has no head: %v", err)
	}
	started := time.Now()
	status, stop, err := project(ctx, s)
	if err != nil {
		return nil, err
	}
	err = status.WaitFor(ctx, head[len(head)-1].Position, names()...)
	stop()
	if err != nil {
		return nil, err
	}
	catchUp := time.Since(started)
	copyTime, rows, err := copyResult(ctx, s)
	if err != nil {
		return nil, err
	}
	fmt.Printf("catch-up of %d events into %d read models: %s (%.0f events/s); COPY of the %d resulting rows: %s\n",
		2*catchUpUsers+2, len(names()), catchUp.Round(time.Millisecond), float64(2*catchUpUsers)/catchUp.Seconds(), rows, copyTime.Round(time.Millisecond))
	return []result{{name: fmt.Sprintf("catch-up of %d events vs COPY of the resulting rows", 2*catchUpUsers+2), unit: "ms",
		baseline: float64(copyTime.Milliseconds()), subject: float64(catchUp.Milliseconds()), target: "≤ 1.3×"}}, nil
}

// copyResult reads every read model table into memory and times COPYing it
// all into empty tables of the same shape.
func copyResult(ctx context.Context, s *side) (time.Duration, int, error) {
	var took time.Duration
	total := 0
	for _, p := range allReadModels() {
		for _, table := range p.Tables() {
			rows, err := s.pool.Query(ctx, "SELECT * FROM "+table)
			if err != nil {
				return 0, 0, err
			}
			columns := make([]string, len(rows.FieldDescriptions()))
			for i, f := range rows.FieldDescriptions() {
				columns[i] = f.Name
			}
			values, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
			if err != nil {
				return 0, 0, err
			}
			copyTable := table + "_copy"
			if _, err := s.pool.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (LIKE %s INCLUDING ALL)", copyTable, table)); err != nil {
				return 0, 0, err
			}
			started := time.Now()
			if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{copyTable}, columns, pgx.CopyFromRows(values)); err != nil {
				return 0, 0, err
			}
			took += time.Since(started)
			total += len(values)
		}
	}
	return took, total, nil
}

// openMillion opens a fresh database holding the tenant "million": the
// catch-up and rebuild benches' 1,000,000-event history.
func openMillion(ctx context.Context, e *env) (*side, error) {
	s, err := openSide(ctx, e, false)
	if err != nil {
		return nil, err
	}
	if err := seedTenant(ctx, s.store, s.key.BlindIndex(), "million", catchUpUsers); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}
