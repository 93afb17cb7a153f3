package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/connlimit"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
)

// serveCmd runs the service until SIGINT or SIGTERM.
type serveCmd struct {
	config.Database   `embed:""`
	config.EventStore `embed:""`
	config.HTTP       `embed:""`
	config.Secrets    `embed:""`
	config.Operator   `embed:""`
	config.Sessions   `embed:""`
	config.Passwords  `embed:""`
	config.Proxies    `embed:""`
	config.Events     `embed:""`
	config.Webhooks   `embed:""`
	config.NATS       `embed:""`
}

// shutdownGrace bounds how long in-flight requests may finish at shutdown.
const shutdownGrace = 10 * time.Second

func (s *serveCmd) Run(ctx context.Context, log *slog.Logger) error {
	// Configuration first: a missing master key or a bad setting is said
	// before the database is touched (or even started).
	key, err := loadMasterKey(s.Database, s.Secrets, log) // wiring.Open checks it against the database
	if err != nil {
		return err
	}
	if err := s.Sessions.Validate(); err != nil {
		return err
	}
	if err := errors.Join(s.HTTP.Validate(), s.Passwords.Validate(), s.Proxies.Validate(), s.Events.Validate(), s.Webhooks.Validate(), s.NATS.Validate()); err != nil {
		return err
	}
	db, err := openDatabase(ctx, s.Database, log)
	if err != nil {
		return err
	}
	defer db.Close()
	operatorToken := s.operatorToken(log)
	settings, err := wiring.AccessFrom(operatorToken, s.Sessions, s.Passwords, s.Proxies)
	if err != nil {
		return err
	}
	svc, err := wiring.Open(ctx, db.Pool, key, s.EventStore, passwords.DefaultParams(), settings, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	svc.EventsRetention = s.Events.Retention
	svc.ConfigureWebhooks(webhooks.OptionsFrom(s.Webhooks, log))
	svc.NATS = s.NATS
	status := projections.NewStatus()
	projectorsCtx, stopProjectors := context.WithCancel(ctx)
	projecting := make(chan struct{})
	go func() { defer close(projecting); wiring.RunProjectors(projectorsCtx, db.Pool, svc, status, log) }()
	defer func() { stopProjectors(); <-projecting }()

	go wiring.PurgeExpiredSessions(projectorsCtx, svc.Tokens, svc.Sessions, log)
	go wiring.RunWebhooks(projectorsCtx, svc)
	router := wiring.Router(svc, db.Pool, status, log)

	listener, err := listenHTTP(s.HTTP)
	if err != nil {
		return err
	}
	server := httpServer(s.HTTP, router, priorityRequests(operatorToken))
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	log.Info("roster is serving", "url", "http://"+listener.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// reservedGrace is how long a connection admitted beyond the bound has to
// send a priority request before it is closed.
const reservedGrace = 2 * time.Second

// listenHTTP listens on h.Addr, bounded to h's connections.
func listenHTTP(h config.HTTP) (*connlimit.Listener, error) {
	listener, err := net.Listen("tcp", h.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", h.Addr, err)
	}
	return connlimit.Listen(listener, h.MaxConnections, h.ReservedConns, min(h.ReadHeaderTimeout, reservedGrace)), nil
}

// httpServer is the API's server: every part of a request bounded in time
// (see config.HTTP), and on connections admitted beyond the bound
// (connlimit) only the priority requests served.
func httpServer(h config.HTTP, handler http.Handler, priority func(*http.Request) bool) *http.Server {
	refuse := func(w http.ResponseWriter) {
		access.Refuse(w, domain.NewError(domain.CodeUnavailable, "the server is at its connection limit; retry shortly"))
	}
	return &http.Server{Handler: connlimit.Admit(priority, 1, refuse)(handler), ConnContext: connlimit.ConnContext,
		ReadHeaderTimeout: h.ReadHeaderTimeout, ReadTimeout: h.ReadTimeout, WriteTimeout: h.WriteTimeout, IdleTimeout: h.IdleTimeout}
}

// priorityRequests are the requests served even at the connection limit:
// health checks, metrics, and the operator's (who must be able to look).
func priorityRequests(operatorToken string) func(*http.Request) bool {
	want := sha256.Sum256([]byte(operatorToken))
	return func(r *http.Request) bool {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			return true
		}
		token, ok := access.BearerToken(r)
		got := sha256.Sum256([]byte(token))
		return ok && operatorToken != "" && subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}
}

// operatorToken is the configured operator token; in dev mode (embedded
// database, none configured) a random one made on the first start and kept
// in the data folder (devOperatorToken), printed on standard output (not
// the log) so that the person who ran `make run` can use it.
func (s *serveCmd) operatorToken(log *slog.Logger) string {
	if s.Token != "" || !s.Embedded() {
		if s.Token == "" {
			log.Warn("no ROSTER_OPERATOR_TOKEN: operator endpoints are disabled")
		}
		return s.Token
	}
	token, path, err := devOperatorToken(s.DataDir)
	if err != nil {
		log.Warn("dev mode: the operator token cannot be kept; this one lasts until the process ends", "error", err)
		token = rand.Text()
	}
	fmt.Printf("dev mode: operator token (kept in %s; Authorization: Bearer …): %s\n", path, token)
	return token
}
