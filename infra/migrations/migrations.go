package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sql/*.sql
var files embed.FS

// versionTable records which migrations have run.
const versionTable = "roster_schema_migrations"

// Up applies every pending migration to the database behind pool and returns
// the schema version it ends at. Concurrent callers (several processes
// starting at once) are serialised by a PostgreSQL advisory lock, so each
// migration runs exactly once.
func Up(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (int64, error) {
	provider, err := newProvider(pool, log)
	if err != nil {
		return 0, err
	}
	defer provider.Close()
	if _, err := provider.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrations: up: %w", err)
	}
	version, err := provider.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrations: read version: %w", err)
	}
	return version, nil
}

// Fingerprint identifies the embedded migrations by content, so that a test
// template database built from other migrations is never reused.
func Fingerprint() (string, error) {
	names, err := fs.Glob(files, "sql/*.sql")
	if err != nil || len(names) == 0 {
		return "", fmt.Errorf("migrations: no embedded migrations: %v", err)
	}
	sum := sha256.New()
	for _, name := range names { // fs.Glob returns names in lexical order
		body, err := files.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("migrations: %s: %w", name, err)
		}
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(body))
		sum.Write(body)
	}
	return hex.EncodeToString(sum.Sum(nil))[:16], nil
}

func newProvider(pool *pgxpool.Pool, log *slog.Logger) (*goose.Provider, error) {
	sub, err := fs.Sub(files, "sql")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	// Poll for a concurrent migrator's lock every second (goose's default is
	// five), for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("migrations: locker: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithSessionLocker(locker),
		goose.WithTableName(versionTable),
		goose.WithDisableGlobalRegistry(true),
	}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(pool), sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return provider, nil
}
