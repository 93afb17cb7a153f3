package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/provisioning"
	"github.com/rosterhq/roster/commands/scim"
	"github.com/rosterhq/roster/commands/writeapi"
	"github.com/rosterhq/roster/console"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/scimusestore"
	"github.com/rosterhq/roster/infra/webhookapi"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/users"
	"github.com/rosterhq/roster/readapi"
)

// Router builds every route of API.md on one router: health, metrics
// (with every request counted and timed by route: requestMetrics), login and
// the OpenAPI document without a token; everything else behind
// access.Middleware (401 without a valid token, 404 on another tenant's
// paths) and access.KnownTenant (404 for the operator on the paths of a
// tenant that does not exist), then the read and write endpoints with their
// role checks. Every
// route with path parameters checks them first (access.ValidPath: 400, for
// anyone, before the token is looked up).
func Router(svc *Services, pool *pgxpool.Pool, status *projections.Status, log *slog.Logger) chi.Router {
	router := chi.NewRouter()
	requests := newRequestMetrics() // outside Recoverer: a recovered panic counts as its 500
	router.Use(ownRequestID, middleware.RequestID, requests.instrument, middleware.Recoverer)
	router.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		access.Refuse(w, domain.NewError(domain.CodeNotFound, "no such route"))
	})
	router.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		access.ProblemOf(access.Extend(domain.NewError(domain.CodeInvalid, "this route does not take this method"),
			access.Extra{Status: http.StatusMethodNotAllowed}), "").Write(w)
	})
	failures := &projectionfeed.FailureBook{DB: pool, Status: status}
	readapi.MountHealth(router, log, readapi.Check{Name: "database", Ping: pool.Ping, Degraded: failedTenants(pool)})
	metrics := append(append(requests.collectors(), HashingMetrics(svc.Hashing)...), InactivityMetrics(svc.Inactivity)...)
	metrics = append(metrics, WriteModelMetrics(svc.Engine)...)
	router.Method(http.MethodGet, "/metrics", MetricsHandler(Lag(pool, svc.Store), append(metrics, svc.Deliveries.Collectors()...)...))
	readapi.MountOpenAPI(router)
	// SCIM 2.0: identity providers, with their connections' tokens (never
	// a session's), on the same use cases.
	directory := provisioning.New(svc.Commands, svc.Queries, svc.Key.BlindIndex(), userPages{pool}, scimusestore.New(pool))
	router.Mount("/v1/tenants/{tenant}/scim/v2", scim.NewHandler(directory, directory, log))
	writes := &writeapi.API{Commands: svc.Commands, Queries: svc.Queries, Sessions: svc.Sessions, Log: log, Clients: svc.Clients,
		ConnectionUse: directory}
	router.Group(func(r chi.Router) {
		r.Use(access.ValidPath)
		writes.MountPublic(r)
	})
	reads := &readapi.API{DB: pool, Log: log, Waiter: &projectionfeed.Waiter{Pool: pool, Status: status},
		History: UserHistory(svc), Failures: failures, Outage: pgoutage.Read, Clock: svc.Inactivity.Clock,
		EventsRetention: svc.EventsRetention}
	router.Group(func(r chi.Router) {
		r.Use(access.ValidPath, access.Middleware(svc.Sessions, writeapi.Internal(log)), access.KnownTenant(svc.Queries, writeapi.Internal(log)))
		reads.Mount(r)
		writes.MountSessions(r)
		(&webhookapi.API{Store: svc.Webhooks, Log: log}).Mount(r)
		lag := classifiedLag{Lag(pool, svc.Store)}
		readapi.MountProjections(r, lag, lag, log)
	})
	router.Group(func(r chi.Router) {
		// A command's token may be checked by the command itself, as it
		// stores its events (sessions.Service.AuthenticateCommand), and an
		// introspecting caller's with the session it asks about.
		r.Use(writes.CommandMiddleware) // access.ValidPath, Middleware and KnownTenant's checks
		writes.MountCommands(r)
		writes.MountIntrospection(r)
	})
	// The admin console: a client of the routes above, called in process.
	pages, err := console.New(console.Config{API: router, Log: log})
	if err != nil {
		panic(fmt.Sprintf("wiring: the console's templates: %v", err)) // embedded: a build that parses them never fails here
	}
	router.Mount("/console", pages)
	router.Get("/console", http.RedirectHandler("/console/", http.StatusMovedPermanently).ServeHTTP)
	return router
}

// ownRequestID drops a client's X-Request-Id before chi's RequestID would
// adopt it: request ids go into event metadata and log lines, so they are
// always the service's own.
func ownRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del(middleware.RequestIDHeader)
		next.ServeHTTP(w, r)
	})
}

// failedTenants lists, for /readyz, the read models that stopped for some
// tenants, and for how many: /readyz answers anyone, so it names no tenant
// (the operator finds them in GET /v1/projections).
func failedTenants(pool *pgxpool.Pool) func(context.Context) ([]any, error) {
	return func(ctx context.Context) ([]any, error) {
		counts, err := projections.CountFailures(ctx, pool)
		out := make([]any, len(counts))
		for i, c := range counts {
			out[i] = c
		}
		return out, err
	}
}

// classifiedLag is the projections' progress with a database out of reach
// classified (pgoutage.Read), so that /v1/projections answers it 503 as
// every read does.
type classifiedLag struct{ *projectionfeed.Lag }

func (l classifiedLag) ProjectionStates(ctx context.Context) ([]readapi.ProjectionState, error) {
	states, err := l.Lag.ProjectionStates(ctx)
	return states, pgoutage.Read(err)
}

func (l classifiedLag) RequestRebuild(ctx context.Context, name string) (readapi.ProjectionState, error) {
	state, err := l.Lag.RequestRebuild(ctx, name)
	return state, pgoutage.Read(err)
}

func (l classifiedLag) Retry(ctx context.Context, name string, tenant domain.TenantID) (readapi.RetryOutcome, error) {
	outcome, err := l.Lag.Retry(ctx, name, tenant)
	return outcome, pgoutage.Read(err)
}

// userPages pages through a tenant's users for SCIM from the users read
// model.
type userPages struct{ pool *pgxpool.Pool }

func (p userPages) UserIDs(ctx context.Context, tenant domain.TenantID, offset, limit int) ([]domain.UserID, int, error) {
	ids, total, err := users.IDs(ctx, p.pool, tenant, offset, limit)
	return ids, total, pgoutage.Read(err)
}
