// Command roster is the one binary of Roster: the API and projectors
// (serve, the default), schema migrations, and operator tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/rosterhq/roster/infra/config"
)

// cli is the command line; every flag also reads a ROSTER_* variable.
type cli struct {
	config.Log `embed:""`

	Serve       serveCmd       `cmd:"" default:"withargs" help:"Serve the HTTP API and run the projectors (the default command)."`
	Migrate     migrateCmd     `cmd:"" help:"Apply pending database migrations and exit."`
	Audit       auditCmd       `cmd:"" help:"Tools for compliance auditors."`
	Tenants     tenantsCmd     `cmd:"" help:"Create tenants without the HTTP API (the first tenant and its owner)."`
	Users       usersCmd       `cmd:"" help:"Act on many users at once through the HTTP API (a CSV of leavers to deactivate)."`
	Projections projectionsCmd `cmd:"" help:"List read models; rebuild them from the history without downtime."`
	DevDB       devDBCmd       `cmd:"" name:"dev-db" help:"Run a command with a private, throw-away PostgreSQL; its URL is in ROSTER_TEST_DATABASE_URL (make test uses this)."`
}

func main() {
	var c cli
	parser := kong.Must(&c,
		kong.Name("roster"),
		kong.Description("Roster owns the lifecycle of the users of a multi-tenant product: an event-sourced service with read models and an audit trail."),
		kong.UsageOnError(),
	)
	if err := knownCommand(parser, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "roster: %v\n", err)
		os.Exit(2)
	}
	kctx, err := parser.Parse(os.Args[1:])
	parser.FatalIfErrorf(err)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(c.Log.Logger())
	if err != nil {
		fmt.Fprintf(os.Stderr, "roster: %v\n", err)
		stop()
		os.Exit(exitCode(err))
	}
}

// exitCode passes on a wrapped command's own exit status (dev-db).
func exitCode(err error) int {
	var exit interface{ ExitCode() int }
	if errors.As(err, &exit) && exit.ExitCode() > 0 {
		return exit.ExitCode()
	}
	return 1
}

// knownCommand refuses a first argument that is neither a flag nor a
// command: serve, the default command, takes no arguments, so a typo
// (roster nosuch) would otherwise be answered with serve's whole help.
func knownCommand(parser *kong.Kong, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return nil
	}
	var names []string
	for _, cmd := range parser.Model.Children {
		if cmd.Name == args[0] {
			return nil
		}
		names = append(names, cmd.Name)
	}
	return fmt.Errorf("no command is named %q; the commands are %s (roster --help explains them)", args[0], strings.Join(names, ", "))
}
