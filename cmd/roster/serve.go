package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/readapi"
)

// serveCmd runs the service until SIGINT or SIGTERM.
type serveCmd struct {
	config.Database `embed:""`
	config.HTTP     `embed:""`
	config.Secrets  `embed:""`
}

// shutdownGrace bounds how long in-flight requests may finish at shutdown.
const shutdownGrace = 10 * time.Second

func (s *serveCmd) Run(ctx context.Context, log *slog.Logger) error {
	db, err := openDatabase(ctx, s.Database, log)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := loadMasterKey(s.Database, s.Secrets, log)
	if err != nil {
		return err
	}
	svc, err := wireServices(ctx, db.Pool, key, passwords.DefaultParams(), log)
	if err != nil {
		return err
	}
	defer svc.Close()

	router := chi.NewRouter()
	router.Use(middleware.RequestID, middleware.Recoverer)
	readapi.MountHealth(router, log, readapi.Check{Name: "database", Ping: db.Pool.Ping})

	listener, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	server := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
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
