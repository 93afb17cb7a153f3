package main

import (
	"context"
	"log/slog"

	"github.com/rosterhq/roster/infra/config"
)

// migrateCmd applies the embedded migrations. serve does the same at start,
// so this is for deployments that migrate as a separate step.
type migrateCmd struct {
	config.Database `embed:""`
}

func (m *migrateCmd) Run(ctx context.Context, log *slog.Logger) error {
	db, err := openToolDatabase(ctx, m.Database, log)
	if err != nil {
		return err
	}
	db.Close()
	return nil
}
