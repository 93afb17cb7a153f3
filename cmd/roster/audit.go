package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/personaldata"
)

// auditCmd groups the tools of compliance auditors.
type auditCmd struct {
	Verify auditVerifyCmd `cmd:"" help:"Check the integrity of stored history: every user who is not deleted still has a personal-data key (key loss is reported, never taken for a deletion); with --tenant, also that tenant's audit trail against the event store and its hash chain. Exits 1 when a problem is found."`
	Replay auditReplayCmd `cmd:"" help:"Print a user, or every user of a tenant, as of a past instant, rebuilt from the event store."`
	Export auditExportCmd `cmd:"" help:"Stream a tenant's audit trail to standard output as CSV or JSON Lines."`
}

type auditVerifyCmd struct {
	storeFlags `embed:""`

	Tenant string `name:"tenant" placeholder:"ID" help:"Also verify this tenant's audit trail: recompute every entry and its hash chain from the event store and report the first entry that is missing, extra or altered."`

	stdout io.Writer // a seam for tests; nil means os.Stdout
}

func (a *auditVerifyCmd) Run(ctx context.Context, log *slog.Logger) error {
	if a.Tenant != "" && !domain.TenantID(a.Tenant).Valid() {
		return fmt.Errorf("--tenant %q is not a tenant id (1–64 of a-z, 0-9 and -)", a.Tenant)
	}
	if a.stdout == nil {
		a.stdout = os.Stdout
	}
	db, key, err := openKeyed(ctx, a.Database, a.Secrets, log)
	if err != nil {
		return err
	}
	defer db.Close()
	keys := a.checkKeys(ctx, db.Pool)
	if a.Tenant == "" {
		return keys
	}
	return errors.Join(keys, a.checkChain(ctx, db.Pool, key, log))
}

// checkKeys reports users who lost their personal-data key.
func (a *auditVerifyCmd) checkKeys(ctx context.Context, pool *pgxpool.Pool) error {
	missing, err := personaldata.MissingKeys(ctx, pool)
	if err != nil {
		return err
	}
	for _, u := range missing {
		fmt.Fprintf(a.stdout, "MISSING KEY tenant=%s user=%s: not deleted, yet their personal-data key is gone (restore the key table from backup)\n", u.Tenant, u.User)
	}
	if len(missing) > 0 {
		return fmt.Errorf("audit verify: %d users lost their personal-data key", len(missing))
	}
	fmt.Fprintln(a.stdout, "ok: every user who is not deleted has a personal-data key")
	return nil
}
