package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// tenantsCmd groups the operator's tools for tenants.
type tenantsCmd struct {
	Create tenantsCreateCmd `cmd:"" help:"Create a tenant and its first owner straight in the database (no HTTP, no operator token needed)."`
}

// ownerPasswordEnv is the variable tenants create reads the owner's password
// from; it is deliberately not a flag, which would land in shell history.
const ownerPasswordEnv = "ROSTER_OWNER_PASSWORD"

// maxPasswordFile bounds what --owner-password-file may hold.
const maxPasswordFile = 4096

// tenantsCreateCmd creates a tenant and its owner through the command
// handlers, on the database serve uses with the same flags and variables.
type tenantsCreateCmd struct {
	storeFlags `embed:""`

	ID                string `name:"id" required:"" help:"Tenant id: 1–64 characters of a-z, 0-9 and -."`
	Name              string `name:"name" required:"" help:"Display name of the tenant."`
	Preset            string `name:"preset" default:"strict" help:"Policy preset (one of those listed above)."`
	Seats             int    `name:"seats" default:"10" help:"Licence seats purchased; the owner takes one."`
	OwnerID           string `name:"owner-id" help:"User id of the owner (1–64 of a-z, 0-9 and -). Empty: a UUID is generated."`
	OwnerEmail        string `name:"owner-email" required:"" help:"E-mail address the owner logs in with."`
	OwnerName         string `name:"owner-name" required:"" help:"The owner's full name."`
	OwnerPasswordFile string `name:"owner-password-file" placeholder:"PATH" help:"File holding the owner's password (one trailing newline is ignored); '-' reads standard input."`

	// Seams for tests; nil means the process's own.
	stdin     *os.File
	stdout    io.Writer
	lookupEnv func(string) (string, bool)
}

// Help is the long help of `roster tenants create --help`.
func (c *tenantsCreateCmd) Help() string {
	return strings.Join([]string{
		"Creates the tenant with its policy preset and seats, and its first owner: an active user who can log in at once with POST /v1/tenants/{id}/sessions. It runs the same command handler as POST /v1/tenants, on the database and master key that `roster serve` uses with the same flags (by default the embedded PostgreSQL and master key under .roster/, as `make run`).",
		"Presets: " + strings.Join(domain.PresetNames(), ", ") + " (strict is the safest default; GET /v1/tenants/{id} shows the policy knobs a preset sets).",
		"The owner's password is read from --owner-password-file, else from " + ownerPasswordEnv + ", else from a prompt without echo when standard input is a terminal; there is no password flag, so that it never lands in shell history. With none of these the command refuses. The password rules are those of every path that sets one: 8 to 64 characters, and not a common or breached password, a variant of one, or little more than the owner's e-mail or name (a passphrase of a few unrelated words passes); a refusal names owner.password.",
		"With the embedded PostgreSQL, while `make run` (or `roster serve`) runs on the same --data-dir, the command uses the server it runs (its HTTP API, POST /v1/tenants with the operator token, does the same); otherwise it starts the server for the command's length. Against a server of your own, set ROSTER_DATABASE_URL.",
		"Prints the tenant id, the owner's user id and the event-store position written (a read with it as min_position, once `roster serve` runs its projectors, sees the tenant). A refusal (the tenant exists: invalid_transition; a bad id or preset: invalid) prints one line and exits 1.",
	}, "\n\n")
}

// Run reads the owner's password, then creates the tenant and its owner and
// prints their ids; a domain refusal comes back as one line.
func (c *tenantsCreateCmd) Run(ctx context.Context, log *slog.Logger) error {
	password, err := c.ownerPassword()
	if err == nil {
		// The length rule needs no database: say so before opening one. (The
		// command handler applies every password rule again.)
		err = domain.CheckPassword("owner.password", password)
	}
	if err != nil {
		return err
	}
	key, err := loadMasterKey(c.Database, c.Secrets, log) // before the database is touched
	if err != nil {
		return err
	}
	db, err := openToolDatabase(ctx, c.Database, log)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := wireTool(ctx, db, key, c.EventStore, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	res, err := svc.Commands.CreateTenant.Handle(ctx, execution.Envelope{Tenant: domain.TenantID(c.ID)}, c.command(password))
	if err != nil {
		return c.refusal(err)
	}
	return c.report(res)
}

// command is the CreateTenant the flags describe, issued by the operator.
func (c *tenantsCreateCmd) command(password string) commands.CreateTenant {
	return commands.CreateTenant{Actor: domain.OperatorActor(), Tenant: domain.TenantID(c.ID), Name: c.Name,
		Preset: c.Preset, Seats: c.Seats, Owner: commands.NewOwner{ID: domain.UserID(c.OwnerID),
			Email: c.OwnerEmail, Name: c.OwnerName, Password: password}}
}

// refusal turns a domain refusal into one line naming its code.
func (c *tenantsCreateCmd) refusal(err error) error {
	var refused *domain.Error
	if errors.As(err, &refused) {
		return fmt.Errorf("tenant %q was not created: %s (%s)", c.ID, refused.Detail, refused.Code)
	}
	return fmt.Errorf("tenant %q was not created: %w", c.ID, err)
}

// report prints what was created: ids and the position, no personal data.
func (c *tenantsCreateCmd) report(res execution.Result) error {
	out := c.stdout
	if out == nil {
		out = os.Stdout
	}
	if res.Tenant == nil || res.User == nil {
		return fmt.Errorf("tenant %q: the command succeeded but described no tenant or owner", c.ID)
	}
	_, err := fmt.Fprintf(out, "created tenant %s (preset %s, %d seats)\nowner user id: %s\nposition: %s\n",
		res.Tenant.ID, res.Tenant.Preset, res.Tenant.SeatsPurchased, res.User.ID, res.Position)
	return err
}

// ownerPassword reads the owner's password from the first source available:
// --owner-password-file, ROSTER_OWNER_PASSWORD, a no-echo terminal prompt.
func (c *tenantsCreateCmd) ownerPassword() (string, error) {
	stdin, lookupEnv := c.stdin, c.lookupEnv
	if stdin == nil {
		stdin = os.Stdin
	}
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	if c.OwnerPasswordFile != "" {
		return passwordFromFile(c.OwnerPasswordFile, stdin)
	}
	if password, ok := lookupEnv(ownerPasswordEnv); ok {
		if password == "" {
			return "", errors.New(ownerPasswordEnv + " is set but empty")
		}
		return password, nil
	}
	if term.IsTerminal(int(stdin.Fd())) {
		return promptPassword(stdin)
	}
	return "", errors.New("no owner password: give --owner-password-file PATH (or - for standard input), set " +
		ownerPasswordEnv + ", or run in a terminal to be prompted (there is no password flag: it would land in shell history)")
}

// passwordFromFile reads path ("-": stdin) without its trailing newline.
func passwordFromFile(path string, stdin *os.File) (string, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("--owner-password-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxPasswordFile+1))
	if err != nil {
		return "", fmt.Errorf("--owner-password-file: %w", err)
	}
	if len(body) > maxPasswordFile {
		return "", fmt.Errorf("--owner-password-file: more than %d bytes; it should hold just the password", maxPasswordFile)
	}
	password := strings.TrimSuffix(strings.TrimSuffix(string(body), "\n"), "\r")
	if password == "" {
		return "", errors.New("--owner-password-file: the password is empty")
	}
	return password, nil
}

// promptPassword asks twice on the terminal, without echo.
func promptPassword(tty *os.File) (string, error) {
	read := func(prompt string) (string, error) {
		fmt.Fprint(os.Stderr, prompt)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	password, err := read("Owner's password: ")
	if err != nil {
		return "", fmt.Errorf("read the owner's password: %w", err)
	}
	if password == "" {
		return "", errors.New("the owner's password is empty")
	}
	again, err := read("Repeat it: ")
	if err != nil {
		return "", fmt.Errorf("read the owner's password: %w", err)
	}
	if again != password {
		return "", errors.New("the two passwords differ")
	}
	return password, nil
}
