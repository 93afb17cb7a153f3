package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/projections/audit"
	"github.com/rosterhq/roster/projections/tenants"
)

// auditExportCmd streams a tenant's audit trail from the audit read model.
type auditExportCmd struct {
	config.Database `embed:""`

	Tenant string `name:"tenant" required:"" help:"Tenant id whose trail to export."`
	Format string `name:"format" enum:"csv,jsonl" default:"csv" help:"csv (a header row, as GET /v1/tenants/{tenant}/audit?format=csv: safe to open in a spreadsheet, formulas neutralised and control characters escaped) or jsonl (one AuditEntry object per line, every value exactly as stored)."`
	From   string `name:"from" placeholder:"RFC3339" help:"Only entries at or after this instant."`
	To     string `name:"to" placeholder:"RFC3339" help:"Only entries strictly before this instant."`

	stdout io.Writer // a seam for tests; nil means os.Stdout
}

// Help is the long help of `roster audit export --help`.
func (c *auditExportCmd) Help() string {
	return strings.Join([]string{
		"Writes the tenant's audit trail to standard output, oldest first: every event with its time, action, actor, target, reason and details, as the audit endpoint shows them. It streams from the database row by row, so a trail of any length exports in flat memory.",
		"Names are resolved when the export runs: a person deleted since reads \"Deleted user\", in every entry, and their e-mail appears nowhere. The trail is the audit read model kept by `roster serve`; events stored while no projector ran appear once it has caught up.",
		"Runs on the database that `roster serve` uses with the same flags (by default the embedded PostgreSQL under --data-dir: beside a running `make run`, the one it started). A tenant the read models do not know is an error (exit 1), not an empty export.",
	}, "\n\n")
}

// Run streams the filtered trail to standard output.
func (c *auditExportCmd) Run(ctx context.Context, log *slog.Logger) error {
	if _, err := c.filter(); err != nil { // before a database is opened, or even started
		return err
	}
	db, err := openToolDatabase(ctx, c.Database, log)
	if err != nil {
		return err
	}
	defer db.Close()
	return c.exportFrom(ctx, db.Pool)
}

// exportSource is what an export reads: the audit trail, and the tenants.
type exportSource interface {
	audit.Querier
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// exportFrom streams the filtered trail from the database q to standard
// output: Run once the database is open.
func (c *auditExportCmd) exportFrom(ctx context.Context, q exportSource) error {
	filter, err := c.filter()
	if err != nil {
		return err
	}
	if _, found, err := tenants.Get(ctx, q, filter.Tenant); err != nil || !found {
		return cmp.Or(err, fmt.Errorf("no tenant is named %q in the read models (one created a moment ago may not be projected yet)", c.Tenant))
	}
	write := audit.WriteCSV
	if c.Format == "jsonl" {
		write = audit.WriteJSONL
	}
	return write(stdoutOr(c.stdout), func(emit func(audit.Entry) error) error { return audit.Export(ctx, q, filter, emit) })
}

// filter reads the flags into the read model's filter.
func (c *auditExportCmd) filter() (audit.Filter, error) {
	f := audit.Filter{Tenant: domain.TenantID(c.Tenant)}
	if !f.Tenant.Valid() {
		return f, fmt.Errorf("--tenant %q is not a tenant id (1–64 of a-z, 0-9 and -)", c.Tenant)
	}
	var err error
	if f.From, err = optionalInstant("--from", c.From); err != nil {
		return f, err
	}
	f.To, err = optionalInstant("--to", c.To)
	return f, err
}

// stdoutOr is w, a test's seam, or the process's standard output when nil.
func stdoutOr(w io.Writer) io.Writer {
	if w != nil {
		return w
	}
	return os.Stdout
}

// optionalInstant parses an RFC 3339 flag value; empty is the zero time.
func optionalInstant(flag, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 instant (e.g. 2025-03-01T09:00:00Z)", flag, value)
	}
	return t, nil
}
