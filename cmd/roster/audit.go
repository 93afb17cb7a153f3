package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/personaldata"
)

// auditCmd groups the tools of compliance auditors.
type auditCmd struct {
	Verify auditVerifyCmd `cmd:"" help:"Check the integrity of stored history: every user who is not deleted still has a personal-data key (key loss is reported, never taken for a deletion). Exits 1 when a problem is found."`
}

type auditVerifyCmd struct {
	config.Database `embed:""`
	config.Secrets  `embed:""`
}

func (a *auditVerifyCmd) Run(ctx context.Context, log *slog.Logger) error {
	db, err := openDatabase(ctx, a.Database, log)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := loadMasterKey(a.Database, a.Secrets, log)
	if err != nil {
		return err
	}
	if err := personaldata.CheckMasterKey(ctx, db.Pool, key); err != nil {
		return err
	}
	missing, err := personaldata.MissingKeys(ctx, db.Pool)
	if err != nil {
		return err
	}
	for _, u := range missing {
		fmt.Fprintf(os.Stdout, "MISSING KEY tenant=%s user=%s: not deleted, yet their personal-data key is gone (restore the key table from backup)\n", u.Tenant, u.User)
	}
	if len(missing) > 0 {
		return fmt.Errorf("audit verify: %d users lost their personal-data key", len(missing))
	}
	fmt.Fprintln(os.Stdout, "ok: every user who is not deleted has a personal-data key")
	return nil
}
