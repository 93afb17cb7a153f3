package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/embeddedpg"
	"github.com/rosterhq/roster/infra/migrations"
	"github.com/rosterhq/roster/infra/passwords"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/wiring"
)

// embeddedDatabase is the database the embedded server keeps Roster's data in.
const embeddedDatabase = "roster"

// database is an open, migrated database and how to let go of it.
type database struct {
	Pool  *pgxpool.Pool
	close func()
}

// Close closes the pool and stops the embedded server, if any.
func (d *database) Close() { d.close() }

// openDatabase connects to cfg's database, starting the embedded server
// first when no URL is configured, and applies pending migrations.
func openDatabase(ctx context.Context, cfg config.Database, log *slog.Logger) (*database, error) {
	return connectDatabase(ctx, cfg, log, startEmbedded)
}

// openToolDatabase is openDatabase for an operator tool: with the embedded
// default, while another roster (make run) runs the private server, the
// tool uses that server rather than refusing, so the README's commands
// work in a second terminal as written.
func openToolDatabase(ctx context.Context, cfg config.Database, log *slog.Logger) (*database, error) {
	return connectDatabase(ctx, cfg, log, func(ctx context.Context, cfg config.Database, log *slog.Logger) (*embeddedpg.Server, error) {
		server, err := embeddedpg.Attach(ctx, embeddedOptions(cfg, log))
		if errors.Is(err, embeddedpg.ErrNotRunning) {
			return startEmbedded(ctx, cfg, log)
		}
		if err != nil {
			return nil, fmt.Errorf("the embedded PostgreSQL in %s is in use by another process, whose server this command cannot use (%w): "+
				"stop that process, or run both against one server with ROSTER_DATABASE_URL", filepath.Join(cfg.DataDir, "postgres"), err)
		}
		log.Info("using the embedded PostgreSQL another roster runs", "dir", filepath.Join(cfg.DataDir, "postgres"))
		return server, nil
	})
}

// connectDatabase connects to cfg's database, the embedded server's that
// embedded gives when no URL is configured, and applies pending migrations.
func connectDatabase(ctx context.Context, cfg config.Database, log *slog.Logger,
	embedded func(context.Context, config.Database, *slog.Logger) (*embeddedpg.Server, error)) (*database, error) {
	url, stopServer := cfg.URL, func() {}
	if cfg.Embedded() {
		server, err := embedded(ctx, cfg, log)
		if err != nil {
			return nil, err
		}
		url = server.URL(embeddedDatabase)
		stopServer = func() {
			if err := server.Stop(context.Background()); err != nil {
				log.Error("stopping the embedded PostgreSQL", "error", err)
			}
		}
	}
	pool, err := newPool(ctx, url)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		stopServer()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	version, err := migrations.Up(ctx, pool, nil)
	if err != nil {
		pool.Close()
		stopServer()
		return nil, err
	}
	log.Info("database ready", "schema_version", version, "embedded", cfg.Embedded())
	return &database{Pool: pool, close: func() { pool.Close(); stopServer() }}, nil
}

// embeddedOptions are the embedded server's options for cfg.
func embeddedOptions(cfg config.Database, log *slog.Logger) embeddedpg.Options {
	return embeddedpg.Options{Dir: filepath.Join(cfg.DataDir, "postgres"), Durable: true, Logger: log}
}

func startEmbedded(ctx context.Context, cfg config.Database, log *slog.Logger) (*embeddedpg.Server, error) {
	opts := embeddedOptions(cfg, log)
	log.Info("starting the embedded PostgreSQL (no ROSTER_DATABASE_URL given)", "dir", opts.Dir)
	server, err := embeddedpg.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := createDatabase(ctx, server.URL("postgres"), embeddedDatabase); err != nil {
		_ = server.Stop(context.Background())
		return nil, err
	}
	return server, nil
}

// createDatabase creates name unless it exists.
func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to the embedded PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// defaultMaxConns is the pool size unless the URL sets pool_max_conns. pgx's
// default (4 on a 2-core machine) is far too few for a service whose every
// request makes short reads (token check, catch-up) while five projectors
// and the command side's appends hold connections of their own: requests
// would queue for a connection rather than for the database.
const defaultMaxConns = 32

func newPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// openKeyed loads the master key, then opens the database and checks the
// key against it: a missing key is said before the database is touched, a
// wrong one before anything is read or written. The caller closes the
// database.
func openKeyed(ctx context.Context, dbc config.Database, secrets config.Secrets, log *slog.Logger) (*database, personaldata.MasterKey, error) {
	key, err := loadMasterKey(dbc, secrets, log)
	if err != nil {
		return nil, personaldata.MasterKey{}, err
	}
	db, err := openToolDatabase(ctx, dbc, log)
	if err != nil {
		return nil, personaldata.MasterKey{}, err
	}
	if err := personaldata.CheckMasterKey(ctx, db.Pool, key); err != nil {
		db.Close()
		return nil, personaldata.MasterKey{}, err
	}
	return db, key, nil
}

// wireTool wires the services an operator tool runs on db: with key (the
// master key serve uses with the same flags, loaded by the tool before it
// opened the database: see loadMasterKey) and the default password hashing.
func wireTool(ctx context.Context, db *database, key personaldata.MasterKey, store config.EventStore, log *slog.Logger) (*wiring.Services, error) {
	return wiring.Open(ctx, db.Pool, key, store, passwords.DefaultParams(), wiring.Access{}, log)
}

// storeFlags are the flags of the tools that open the service's store as
// serve does: its database, its event store, and the master key that opens
// the personal data.
type storeFlags struct {
	config.Database   `embed:""`
	config.EventStore `embed:""`
	config.Secrets    `embed:""`
}
