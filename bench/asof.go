package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/personaldata"
)

// The as-of tenant: asOfUsers invited and activated, then deactivations and
// reactivations round the users until the stream holds asOfEvents events
// (about 98 per user).
const (
	asOfUsers  = 10_000
	asOfEvents = 1_000_000
	asOfTenant = domain.TenantID("history")
)

// asOfBaselineSQL is the least a point-in-time read of one user must do:
// fetch that user's events up to the instant through an index.
const asOfBaselineSQL = `SELECT payload::text, occurred_at FROM events
WHERE stream_id = $1 AND payload ->> 'user' = $2 AND occurred_at <= $3 ORDER BY stream_version`

// runAsOf times the point-in-time read of one user (what GET
// users/{user}?as_of= asks execution.History, personal data opened) on a
// tenant of 1,000,000 events, against a plain indexed SELECT of that
// user's events, interleaved.
func runAsOf(ctx context.Context, e *env) ([]result, error) {
	s, err := openSide(ctx, e, true)
	if err != nil {
		return nil, err
	}
	defer s.close()
	from, to, err := seedHistory(ctx, s)
	if err != nil {
		return nil, err
	}
	history := execution.NewHistory(s.store.(*personaldata.Store))
	rng := rand.New(rand.NewPCG(1, 2))
	var base, subj []time.Duration
	for range 2000 {
		user := domain.UserID(fmt.Sprintf("u-%d", rng.IntN(asOfUsers)))
		at := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from)))))
		b, err := timed(func() error { return plainHistory(ctx, s, user, at) })
		if err != nil {
			return nil, err
		}
		a, err := timed(func() error { return asOfRead(ctx, history, user, at) })
		if err != nil {
			return nil, err
		}
		base, subj = append(base, b), append(subj, a)
	}
	fmt.Printf("as-of read of one user in a tenant of %d events: p50 %.0f µs, p99 %.0f µs (target p99 < 50 ms)\n",
		asOfEvents, quantile(subj, 0.5), quantile(subj, 0.99))
	return []result{
		latencyResult("as_of read of one user, 1,000,000-event tenant, p50", base, subj, 0.50, "—"),
		latencyResult("as_of read of one user, 1,000,000-event tenant, p99", base, subj, 0.99, "p99 < 50 ms"),
	}, nil
}

// seedHistory stores the as-of tenant and returns the instants between
// which its toggles occurred.
func seedHistory(ctx context.Context, s *side) (from, to time.Time, err error) {
	started := time.Now()
	if err := seedTenant(ctx, s.store, s.key.BlindIndex(), asOfTenant, asOfUsers); err != nil {
		return from, to, err
	}
	from = time.Now()
	var seeded int64
	if err := s.pool.QueryRow(ctx, "SELECT max(stream_version) FROM events").Scan(&seeded); err != nil {
		return from, to, err
	}
	for version := seeded; version < asOfEvents; {
		batch := asOfToggles(version-seeded, min(5000, asOfEvents-version))
		if err := appendBatch(ctx, s.store, asOfTenant, version, batch); err != nil {
			return from, to, err
		}
		version += int64(len(batch))
	}
	to = time.Now()
	_, err = s.pool.Exec(ctx, "ANALYZE events") // as autovacuum would, long before a million events
	fmt.Printf("seeded %d events in %s\n", asOfEvents, time.Since(started).Round(time.Millisecond))
	return from, to, err
}

// asOfToggles are n deactivations and reactivations round the users, from
// the first-th on: a user's k-th toggle deactivates them when k is even
// (they start active).
func asOfToggles(first int64, n int64) []domain.Event {
	out := make([]domain.Event, n)
	for i := range out {
		k := first + int64(i)
		user := domain.UserID(fmt.Sprintf("u-%d", k%asOfUsers))
		if (k/asOfUsers)%2 == 0 {
			out[i] = domain.UserDeactivated{User: user}
		} else {
			out[i] = domain.UserReactivated{User: user}
		}
	}
	return out
}

func timed(f func() error) (time.Duration, error) {
	started := time.Now()
	err := f()
	return time.Since(started), err
}

func plainHistory(ctx context.Context, s *side, user domain.UserID, at time.Time) error {
	rows, err := s.pool.Query(ctx, asOfBaselineSQL, domain.TenantStream(asOfTenant), string(user), at)
	if err != nil {
		return err
	}
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	return err
}

func asOfRead(ctx context.Context, history *execution.History, user domain.UserID, at time.Time) error {
	u, found, err := history.UserAsOf(ctx, asOfTenant, user, at)
	if err == nil && (!found || u.Name == "") {
		err = fmt.Errorf("as-of read of %s at %s: found %v, name %q", user, at, found, u.Name)
	}
	return err
}
