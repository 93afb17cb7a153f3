package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/readapi"
)

// projectionsCmd groups the operator's tools for read models.
type projectionsCmd struct {
	List    projectionsListCmd    `cmd:"" help:"List the read models: state, position, lag and last rebuild."`
	Rebuild projectionsRebuildCmd `cmd:"" help:"Rebuild read models from the whole history beside the live ones, then swap them in."`
	Retry   projectionsRetryCmd   `cmd:"" help:"Re-apply a tenant's events to a read model that stopped on one of them."`
}

// projectionsListCmd prints every read model's state, as GET /v1/projections.
type projectionsListCmd struct {
	config.Database   `embed:""`
	config.EventStore `embed:""`

	stdout io.Writer // nil: os.Stdout
}

// Run prints one line per read model.
func (c *projectionsListCmd) Run(ctx context.Context, log *slog.Logger) error {
	db, err := openToolDatabase(ctx, c.Database, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := projections.Setup(ctx, db.Pool, wiring.Projectors()...); err != nil {
		return err
	}
	states, err := wiring.Lag(db.Pool, c.EventStore).ProjectionStates(ctx)
	if err != nil {
		return err
	}
	return printStates(orStdout(c.stdout), states)
}

func printStates(out io.Writer, states []readapi.ProjectionState) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSTATE\tPOSITION\tLAG (events)\tFAILED TENANTS\tLAST REBUILD")
	for _, s := range states {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", s.Name, s.State, s.Position, s.LagEvents, describeFailed(s.FailedTenants), describeRebuild(s.Rebuild))
	}
	return w.Flush()
}

// describeFailed names the failed tenants and where each stopped.
func describeFailed(failed []readapi.FailedTenant) string {
	if len(failed) == 0 {
		return "-"
	}
	parts := make([]string, len(failed))
	for i, f := range failed {
		parts[i] = fmt.Sprintf("%s at %s (%s)", f.Tenant, f.Position, f.EventType)
	}
	return strings.Join(parts, ", ")
}

// describeRebuild renders a rebuild in a few words.
func describeRebuild(r *readapi.RebuildProgress) string {
	switch {
	case r == nil:
		return "-"
	case r.State == projections.RebuildFailed:
		return "failed: " + r.Error
	case r.State != projections.RebuildDone:
		return fmt.Sprintf("%s, %d of %d events", r.State, r.EventsDone, r.EventsTotal)
	case r.Differences != nil && *r.Differences != "":
		return fmt.Sprintf("done %s; differed: %s", r.FinishedAt.Format(time.RFC3339), *r.Differences)
	}
	return fmt.Sprintf("done %s", r.FinishedAt.Format(time.RFC3339))
}

func orStdout(w io.Writer) io.Writer {
	if w == nil {
		return os.Stdout
	}
	return w
}

// projectionsRebuildCmd asks for rebuilds and follows them to their end.
type projectionsRebuildCmd struct {
	storeFlags `embed:""`

	Names  []string `arg:"" optional:"" name:"name" help:"Read models to rebuild: users_v2, or just users (see projections list)."`
	All    bool     `name:"all" help:"Rebuild every read model."`
	Verify bool     `name:"verify" help:"Before swapping, compare the rebuilt tables with the live ones row for row and report the differences."`
	NoSwap bool     `name:"no-swap" help:"Only check: rebuild, compare with the live tables (implies --verify), report, and drop the rebuilt tables."`

	stdout *os.File // nil: os.Stdout
}

// Help is the long help of `roster projections rebuild --help`.
func (c *projectionsRebuildCmd) Help() string {
	return strings.Join([]string{
		"Builds fresh copies of the read models (tables named <table>_rebuild) from the start of the event history while the live tables keep serving, then, with the live projectors paused for a moment, brings both to the same event and swaps the copies in with one transaction.",
		"The rebuild is recorded in the database and performed by the process that runs the projectors: a running `roster serve` (this command then only shows progress), or this command itself when no serve runs. Interrupted (Ctrl-C, kill, crash), it resumes from its checkpoint the next time either runs.",
		"Progress is a bar on a terminal, plain lines otherwise. Exits 1 when a rebuild failed or --verify found differences.",
	}, "\n\n")
}

// Run requests the rebuilds, runs the projectors' host unless another
// process does (the advisory lock decides), and shows progress until done.
func (c *projectionsRebuildCmd) Run(ctx context.Context, log *slog.Logger) error {
	names, err := c.readModels()
	if err != nil {
		return err
	}
	db, stop, err := hostingTool(ctx, c.Database, c.Secrets, c.EventStore, log)
	if err != nil {
		return err
	}
	defer stop()
	if err := c.request(ctx, db, names); err != nil {
		return err
	}
	lag := wiring.Lag(db.Pool, c.EventStore)
	states, err := watchRebuilds(ctx, lag, names, c.out())
	if err != nil {
		return fmt.Errorf("%w (the rebuild resumes from where it is when roster serve or this command runs again)", err)
	}
	return reportRebuilds(c.out(), states)
}

func (c *projectionsRebuildCmd) out() *os.File {
	if c.stdout == nil {
		return os.Stdout
	}
	return c.stdout
}

// readModels resolves the names asked for ("users" → "users_v2").
func (c *projectionsRebuildCmd) readModels() ([]string, error) {
	var known []string
	for _, p := range wiring.Projectors() {
		known = append(known, p.Name())
	}
	if c.All == (len(c.Names) > 0) {
		return nil, fmt.Errorf("name the read models to rebuild (%s), or give --all", strings.Join(known, ", "))
	}
	if c.All {
		return known, nil
	}
	var out []string
	for _, n := range c.Names {
		i := slices.IndexFunc(known, func(k string) bool {
			return k == n || strings.TrimSuffix(strings.TrimRight(k, "0123456789"), "_v") == n
		})
		if i < 0 {
			return nil, fmt.Errorf("no read model is named %q (there are %s)", n, strings.Join(known, ", "))
		}
		out = append(out, known[i])
	}
	return out, nil
}

func (c *projectionsRebuildCmd) request(ctx context.Context, db *database, names []string) error {
	for _, n := range names {
		r, err := projections.RequestRebuild(ctx, db.Pool, n, projections.RebuildOptions{Verify: c.Verify, NoSwap: c.NoSwap})
		if err != nil {
			return err
		}
		if r.Verify != (c.Verify || c.NoSwap) || r.Swap == c.NoSwap {
			fmt.Fprintf(c.out(), "%s: a rebuild is already under way (verify %t, swap %t); following it\n", n, r.Verify, r.Swap)
		}
	}
	return nil
}

// errRebuildsDiffered ends a rebuild whose comparison found differences.
var errRebuildsDiffered = errors.New("the rebuilt read models differed from the live ones")

// reportRebuilds prints each rebuild's outcome; an error if any failed or differed.
func reportRebuilds(out io.Writer, states []readapi.ProjectionState) error {
	var failed, differed []string
	for _, s := range states {
		fmt.Fprintf(out, "%s: %s\n", s.Name, describeRebuild(s.Rebuild))
		switch r := s.Rebuild; {
		case r.State == projections.RebuildFailed:
			failed = append(failed, s.Name)
		case r.Differences != nil && *r.Differences != "":
			differed = append(differed, s.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("the rebuild of %s failed", strings.Join(failed, ", "))
	}
	if len(differed) > 0 {
		return fmt.Errorf("%w: %s", errRebuildsDiffered, strings.Join(differed, ", "))
	}
	return nil
}

// projectionsRetryCmd asks for a failed tenant's read model to be retried
// and follows the retry to its end.
type projectionsRetryCmd struct {
	storeFlags `embed:""`

	Name   string `arg:"" name:"name" help:"The read model that failed: users_v2, or just users (see projections list)."`
	Tenant string `name:"tenant" required:"" help:"The tenant whose events it stopped on."`

	stdout io.Writer // nil: os.Stdout
}

// Help is the long help of `roster projections retry --help`.
func (c *projectionsRetryCmd) Help() string {
	return strings.Join([]string{
		"When a read model cannot apply one of a tenant's events, it records the failure (GET /v1/projections, `roster projections list`), holds back that tenant's later events and goes on with every other tenant; reads of that tenant's read model answer 503 projection_failed meanwhile. Nothing is skipped.",
		"Once the cause is fixed (a new version of roster, a migration), this command re-applies the tenant's held events, in order, from the one that failed. It is carried out by the process that runs the projectors: a running `roster serve` (this command then waits for the outcome), or this command itself when no serve runs.",
		"Exits 0 when the tenant's read model is live again, 1 when it stopped again (the new failure is printed). A rebuild of the read model clears its failures too.",
	}, "\n\n")
}

// Run requests the retry, runs the projectors' host unless another process
// does, and waits for the outcome.
func (c *projectionsRetryCmd) Run(ctx context.Context, log *slog.Logger) error {
	db, stop, err := hostingTool(ctx, c.Database, c.Secrets, c.EventStore, log)
	if err != nil {
		return err
	}
	defer stop()
	outcome, err := wiring.Lag(db.Pool, c.EventStore).Retry(ctx, c.Name, domain.TenantID(c.Tenant))
	if err != nil {
		return err
	}
	return reportRetry(orStdout(c.stdout), outcome)
}

// reportRetry prints a retry's outcome; an error unless the read model is
// live again.
func reportRetry(out io.Writer, o readapi.RetryOutcome) error {
	switch o.State {
	case readapi.RetryLive:
		fmt.Fprintf(out, "%s of tenant %s: live again\n", o.Name, o.Tenant)
		return nil
	case readapi.RetryFailed:
		return fmt.Errorf("%s of tenant %s stopped again at %s on %s: %s", o.Name, o.Tenant, o.Failure.Position, o.Failure.EventType, o.Failure.Error)
	}
	return fmt.Errorf("%s of tenant %s: the retry has not finished (interrupted?); it goes on when roster serve or this command runs", o.Name, o.Tenant)
}

// hostingTool opens the database for a tool that asks the projectors'
// process for work (a rebuild, a retry), and runs the projectors' host
// beside it, in case no other process does (the advisory lock decides).
// stop ends the host and closes everything.
func hostingTool(ctx context.Context, dbc config.Database, secrets config.Secrets, store config.EventStore, log *slog.Logger) (*database, func(), error) {
	key, err := loadMasterKey(dbc, secrets, log) // before the database is touched
	if err != nil {
		return nil, nil, err
	}
	db, err := openToolDatabase(ctx, dbc, log)
	if err != nil {
		return nil, nil, err
	}
	svc, err := wireTool(ctx, db, key, store, log)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	hostCtx, stopHost := context.WithCancel(ctx)
	hosting := make(chan struct{})
	go func() {
		defer close(hosting)
		wiring.RunProjectors(hostCtx, db.Pool, svc, projections.NewStatus(), log)
	}()
	return db, func() { stopHost(); <-hosting; svc.Close(); db.Close() }, nil
}
