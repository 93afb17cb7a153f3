package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/idempotency"
	"github.com/rosterhq/roster/infra/migrations"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/projections"
)

// rebuildUsers is the size of the tenant the rebuild replays (two events each).
const rebuildUsers = 100_000

// side is one database with an event store that seals personal data or not.
type side struct {
	pool  *pgxpool.Pool
	raw   *pgstore.Store
	store eventstore.Store // what commands append through and projections read
	key   personaldata.MasterKey
}

func (s *side) close() { s.raw.Close(); s.pool.Close() }

// openSide creates a fresh database on the bench server, sealed or not.
func openSide(ctx context.Context, e *env, sealed bool) (*side, error) {
	name := fmt.Sprintf("bench_%t_%d", sealed, time.Now().UnixNano())
	if _, err := e.pool.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, err
	}
	u, _ := url.Parse(e.pool.Config().ConnString())
	u.Path = "/" + name
	q := u.Query()
	q.Set("pool_max_conns", "32") // as the service's pool (cmd/roster defaultMaxConns)
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(ctx, u.String())
	if err == nil {
		_, err = migrations.Up(ctx, pool, slog.New(slog.DiscardHandler))
	}
	if err != nil {
		return nil, err
	}
	encoded, _ := personaldata.GenerateMasterKey()
	key, _ := personaldata.ParseMasterKey(encoded)
	s := &side{pool: pool, raw: pgstore.New(pool, pgstore.Options{}), key: key}
	s.store = s.raw
	if sealed {
		if err := personaldata.CheckMasterKey(ctx, pool, key); err != nil {
			return nil, err
		}
		s.store = personaldata.NewStore(s.raw, pool, key)
	}
	return s, nil
}

func (s *side) handlers() (commandSide, error) {
	hasher, err := passwords.New(passwords.TestParams())
	if err != nil {
		return commandSide{}, err
	}
	return newCommandSide(execution.Config{Store: s.store, Idempotency: idempotency.New(s.pool)}, hasher, s.key.BlindIndex())
}

// runEncryption measures what sealing personal data costs: on commands that
// carry it and on commands that do not, and on rebuilding the read models.
func runEncryption(ctx context.Context, e *env) ([]result, error) {
	plain, err := openSide(ctx, e, false)
	if err != nil {
		return nil, err
	}
	defer plain.close()
	sealed, err := openSide(ctx, e, true)
	if err != nil {
		return nil, err
	}
	defer sealed.close()
	results, err := encryptedCommands(ctx, e, plain, sealed)
	if err != nil {
		return nil, err
	}
	rebuild, err := encryptedRebuild(ctx, e)
	if err != nil {
		return nil, err
	}
	return append(results, rebuild), nil
}

func encryptedCommands(ctx context.Context, e *env, plain, sealed *side) ([]result, error) {
	var results []result
	for _, c := range []struct {
		name string
		op   func(h *commands.Handlers, n *atomic.Int64) operation
	}{{"invite (carries personal data), 1 client", inviteOp}, {"deactivate (carries none), 1 client", deactivateOp}} {
		ops := map[*side]operation{}
		for _, s := range []*side{plain, sealed} {
			h, err := s.handlers()
			if err != nil {
				return nil, err
			}
			defer h.Close()
			ops[s] = c.op(h.Handlers, &atomic.Int64{})
		}
		base, subj, err := compare(ctx, e, 1, func(int) operation { return ops[plain] }, func(int) operation { return ops[sealed] })
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		// time per command, so the ratio reads like the target (≤ 1.3×)
		results = append(results, result{name: c.name + ", time per command", unit: "µs", baseline: 1e6 / base, subject: 1e6 / subj, target: "≤ 1.3×"})
	}
	return results, nil
}

func inviteOp(h *commands.Handlers, n *atomic.Int64) operation {
	return invitations(h, domain.TenantID(fmt.Sprintf("enc-%d", time.Now().UnixNano())), n)
}

// invitations invites a new user per operation into tenant (created first).
func invitations(h *commands.Handlers, tenant domain.TenantID, n *atomic.Int64) operation {
	created := false
	return func(ctx context.Context, _ int) (int, error) {
		if !created {
			created = true
			if _, err := h.CreateTenant.Handle(ctx, execution.Envelope{Tenant: tenant}, commands.CreateTenant{Actor: domain.OperatorActor(),
				Tenant: tenant, Name: "Bench", Seats: 1_000_000, Owner: commands.NewOwner{ID: "owner", Email: "o@x.test", Name: "Owner", Password: "owner pass phrase"}}); err != nil {
				return 0, err
			}
		}
		i := n.Add(1)
		_, err := h.InviteUser.Handle(ctx, execution.Envelope{Tenant: tenant}, commands.InviteUser{Actor: domain.OperatorActor(),
			User: domain.UserID(fmt.Sprintf("u-%d", i)), Email: fmt.Sprintf("person%d@example.test", i), Name: fmt.Sprintf("Person Number %d", i), Role: domain.RoleMember, Activate: true})
		return 1, err
	}
}

// deactivateOp alternately deactivates and reactivates ten users invited
// on first use: commands that carry no personal data.
func deactivateOp(h *commands.Handlers, n *atomic.Int64) operation {
	tenant := domain.TenantID(fmt.Sprintf("enc-%d", time.Now().UnixNano()))
	invite := invitations(h, tenant, n)
	var round int
	return func(ctx context.Context, w int) (int, error) {
		if round == 0 {
			for range 10 {
				if _, err := invite(ctx, w); err != nil {
					return 0, err
				}
			}
		}
		round++
		user := domain.UserID(fmt.Sprintf("u-%d", 1+round%10))
		op, env := domain.OperatorActor(), execution.Envelope{Tenant: tenant}
		var err error
		if (round/10)%2 == 0 {
			_, err = h.DeactivateUser.Handle(ctx, env, domain.DeactivateUser{Actor: op, User: user})
		} else {
			_, err = h.ReactivateUser.Handle(ctx, env, domain.ReactivateUser{Actor: op, User: user})
		}
		return 1, err
	}
}

// encryptedRebuild seeds both databases with the same invitations and times
// the users and tenants projections catching up from nothing on each.
func encryptedRebuild(ctx context.Context, e *env) (result, error) {
	plain, err := openSide(ctx, e, false)
	if err != nil {
		return result{}, err
	}
	defer plain.close()
	sealed, err := openSide(ctx, e, true)
	if err != nil {
		return result{}, err
	}
	defer sealed.close()
	times := map[*side]time.Duration{}
	for _, s := range []*side{sealed, plain} {
		if err := seedTenant(ctx, s.store, s.key.BlindIndex(), "rebuild", rebuildUsers); err != nil {
			return result{}, err
		}
		head, err := s.raw.ReadStream(ctx, domain.TenantStream("rebuild"), 2*rebuildUsers, 10)
		if err != nil || len(head) == 0 {
			return result{}, fmt.Errorf("seeded stream has no head: %v", err)
		}
		took, err := catchUp(ctx, s, head[len(head)-1].Position)
		if err != nil {
			return result{}, err
		}
		times[s] = took
	}
	return result{name: fmt.Sprintf("rebuild of all %d read models from %d events", len(names()), 2*rebuildUsers+4), unit: "ms",
		baseline: float64(times[plain].Milliseconds()), subject: float64(times[sealed].Milliseconds()), target: "≤ 1.3×"}, nil
}

func catchUp(ctx context.Context, s *side, head eventstore.Position) (time.Duration, error) {
	status := projections.NewStatus()
	started := time.Now()
	router, err := projectionfeed.NewRouter(ctx, projectionfeed.RouterConfig{Pool: s.pool, Feed: s.store, Status: status,
		Projectors: allReadModels(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- router.Run(ctx) }()
	defer func() { _ = router.Close(); <-done }()
	err = status.WaitFor(ctx, head, names()...)
	return time.Since(started), err
}
