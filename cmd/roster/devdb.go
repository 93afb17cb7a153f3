package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"

	"github.com/rosterhq/roster/infra/embeddedpg"
)

// devDBCmd runs a command beside a private PostgreSQL that exists only for
// that command, so that every test package of one `make test` shares one
// server (and its migrated template) instead of starting its own.
type devDBCmd struct {
	Command []string `arg:"" passthrough:"" help:"The command to run, after --."`
}

// testDatabaseEnv is the variable infra/pgtest reads (not imported here: it
// is a test helper and has no place in the binary).
const testDatabaseEnv = "ROSTER_TEST_DATABASE_URL"

func (d *devDBCmd) Run(ctx context.Context, log *slog.Logger) error {
	if len(d.Command) > 0 && d.Command[0] == "--" {
		d.Command = d.Command[1:] // kong passes the separator through
	}
	if len(d.Command) == 0 {
		return errors.New("dev-db: name a command to run, as in: roster dev-db -- go test ./")
	}
	dir, err := os.MkdirTemp("", "roster-dev-db-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	server, err := embeddedpg.Start(ctx, embeddedpg.Options{Dir: dir, MaxConnections: 300, Logger: log})
	if err != nil {
		return err
	}
	defer server.Stop(context.Background())

	cmd := exec.CommandContext(ctx, d.Command[0], d.Command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), testDatabaseEnv+"="+server.URL("postgres"))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dev-db: %s: %w", d.Command[0], err)
	}
	return nil
}
