package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/audit"
)

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

// verifyHelp is the long help of `roster audit verify --help`.
const verifyHelp = "Without --tenant: reports every user who is not deleted yet has lost their personal-data key " +
	"(the key table was damaged or restored from an old backup); a deletion is never reported as a loss.\n\n" +
	"With --tenant: does that, then checks the tenant's audit trail. Every entry carries a SHA-256 hash chained over " +
	"the tenant's previous entry (the encoding is in the documentation of package projections/audit). The command " +
	"reads the tenant's events from the event store, derives each entry and its hash exactly as the audit projector " +
	"does, and compares them, in order, with the audit read model up to the point the projector has reached. It " +
	"reports the first entry that is missing, extra or altered (its position, the field, expected and found), never " +
	"personal data, which entries do not hold.\n\n" +
	"Exits 1 when any check finds a problem. Runs on the database and event store that `roster serve` uses with the same flags."

// Help is the long help of `roster audit verify --help`.
func (a *auditVerifyCmd) Help() string { return verifyHelp }

// checkChain verifies the tenant's audit trail against its event stream,
// read through the sealing store as the projector reads the feed, in one
// read-only snapshot of the read model.
func (a *auditVerifyCmd) checkChain(ctx context.Context, pool *pgxpool.Pool, key personaldata.MasterKey, log *slog.Logger) error {
	raw, sealed, err := wiring.OpenEventStore(pool, key, a.EventStore, log)
	if err != nil {
		return err
	}
	defer raw.Close()
	tenant := domain.TenantID(a.Tenant)
	events := tenantEvents(ctx, sealed, tenant)
	var (
		done     audit.Verified
		mismatch *audit.Mismatch
	)
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		done, mismatch, err = audit.New().Verify(ctx, tx, tenant, events.all)
		return err
	})
	switch {
	case err != nil:
		return err
	case mismatch != nil:
		fmt.Fprintf(a.stdout, "MISMATCH tenant=%s position=%s field=%s: expected %s, found %s (the audit read model was altered, or not built from these events)\n",
			tenant, mismatch.Position, mismatch.Field, mismatch.Expected, mismatch.Found)
		return fmt.Errorf("audit verify: tenant %s: the audit trail differs from the event store at position %s (%s)",
			tenant, mismatch.Position, mismatch.Field)
	case events.read == 0:
		return fmt.Errorf("audit verify: tenant %s has no events", tenant)
	}
	fmt.Fprintf(a.stdout, "ok: tenant %s: %d audit entries match the event store and their hash chain, up to position %s (the audit projection's checkpoint); last hash %s\n",
		tenant, done.Entries, done.Upto, done.Head)
	return nil
}

// streamEvents reads one tenant's stream a page at a time.
type streamEvents struct {
	ctx    context.Context
	store  eventstore.StreamReader
	stream string
	read   int // events yielded so far
}

// verifyPage is how many events checkChain reads at a time.
const verifyPage = 1000

func tenantEvents(ctx context.Context, store eventstore.StreamReader, tenant domain.TenantID) *streamEvents {
	return &streamEvents{ctx: ctx, store: store, stream: domain.TenantStream(tenant)}
}

// all yields the stream's events in order, decoded as projectors see them,
// until the stream ends, the consumer stops or an error (yielded last).
func (s *streamEvents) all(yield func(projections.Event, error) bool) {
	for after := int64(0); ; {
		page, err := s.store.ReadStream(s.ctx, s.stream, after, verifyPage)
		if err != nil {
			yield(projections.Event{}, err)
			return
		}
		for _, rec := range page {
			e, err := projectionfeed.Decode(rec)
			s.read++
			if !yield(e, err) || err != nil {
				return
			}
			after = rec.StreamVersion
		}
		if len(page) < verifyPage {
			return
		}
	}
}
