package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// failuresSchema keeps, per projector and tenant, the event the projector
// could not apply. From that event on, the tenant's events are held back
// by that projector (never skipped: a retry applies them, in order, from
// resume_version) while every other tenant's events go on being applied.
const failuresSchema = `CREATE TABLE IF NOT EXISTS projection_failures (
    projection         text        NOT NULL,
    tenant             text        NOT NULL,
    -- The event that failed: its feed position, stream version, id and type.
    commit_position    numeric(20) NOT NULL,
    prepare_position   numeric(20) NOT NULL,
    stream_version     bigint      NOT NULL,
    event_id           text        NOT NULL,
    event_type         text        NOT NULL,
    error              text        NOT NULL,
    -- The tenant's held events start at this stream version: the failed
    -- event's, until a retry applies some of them.
    resume_version     bigint      NOT NULL,
    failed_at          timestamptz NOT NULL DEFAULT now(),
    retry_requested_at timestamptz,
    PRIMARY KEY (projection, tenant)
)`

// TenantFailure is a projector stopped, for one tenant, on an event it could
// not apply.
type TenantFailure struct {
	Projection    string
	Tenant        domain.TenantID
	Position      eventstore.Position // of the event that failed
	StreamVersion int64               // of the event that failed, in the tenant's stream
	EventID       string
	EventType     string
	Error         string
	// ResumeVersion is the stream version a retry goes on from.
	ResumeVersion  int64
	FailedAt       time.Time
	RetryRequested *time.Time // when an operator asked for a retry not yet carried out
}

// ErrNoFailure is returned for a retry of a tenant whose projection has not
// failed.
var ErrNoFailure = errors.New("projections: no failure of this tenant")

// failureColumns are the columns of a TenantFailure, as scanFailure reads
// them.
const failureColumns = `projection, tenant, commit_position, prepare_position, stream_version, event_id,
    event_type, error, resume_version, failed_at, retry_requested_at`

const selectFailures = `SELECT ` + failureColumns + ` FROM projection_failures`

// LoadFailures reads the failures of the named projector ("": of all),
// ordered by projector and failed position.
func LoadFailures(ctx context.Context, db DB, projection string) ([]TenantFailure, error) {
	return loadFailures(ctx, db, projection, "")
}

// LoadTenantFailures reads tenant's failures of every projector.
func LoadTenantFailures(ctx context.Context, db DB, tenant domain.TenantID) ([]TenantFailure, error) {
	return loadFailures(ctx, db, "", tenant)
}

// FailedCount is how many tenants one projector has stopped for.
type FailedCount struct {
	Projection string `json:"projection"`
	Tenants    int    `json:"tenants"`
}

// CountFailures counts, per projector that has any, the tenants it has
// stopped for: what may be told to anyone (/readyz), since it names no
// tenant.
func CountFailures(ctx context.Context, db DB) ([]FailedCount, error) {
	rows, err := db.Query(ctx, `SELECT projection, count(*) FROM projection_failures GROUP BY projection ORDER BY projection`)
	if err != nil {
		return nil, fmt.Errorf("projections: count failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[FailedCount])
	if err != nil {
		return nil, fmt.Errorf("projections: count failures: %w", err)
	}
	return out, nil
}

// loadFailures reads the failures of projection and of tenant ("": any).
func loadFailures(ctx context.Context, db DB, projection string, tenant domain.TenantID) ([]TenantFailure, error) {
	rows, err := db.Query(ctx, selectFailures+` WHERE ($1 = '' OR projection = $1) AND ($2 = '' OR tenant = $2)
ORDER BY projection, commit_position, prepare_position`, projection, string(tenant))
	if err != nil {
		return nil, fmt.Errorf("projections: failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanFailure)
	if err != nil {
		return nil, fmt.Errorf("projections: failures: %w", err)
	}
	return out, nil
}

// scanFailure reads a row of failureColumns.
func scanFailure(row pgx.CollectableRow) (TenantFailure, error) {
	var f TenantFailure
	err := row.Scan(&f.Projection, &f.Tenant, &f.Position.Commit, &f.Position.Prepare, &f.StreamVersion, &f.EventID,
		&f.EventType, &f.Error, &f.ResumeVersion, &f.FailedAt, &f.RetryRequested)
	return f, err
}

// recordFailureSQL stores a tenant's failure and moves the projector's
// checkpoint past the failed event, in one transaction with the lock taken
// first (see RecordTenantFailure). A failure already recorded for the tenant
// is kept: it is the earlier one, where its held events begin.
const recordFailureSQL = `INSERT INTO projection_failures (projection, tenant, commit_position, prepare_position,
    stream_version, event_id, event_type, error, resume_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $5) ON CONFLICT (projection, tenant) DO NOTHING`

// RecordTenantFailure records that projector p could not apply e, and moves
// p's checkpoint to e: from then on p holds back e's tenant's events and
// goes on with every other tenant's. It fails with ErrAlreadyApplied when
// p's checkpoint is at or past e.
func RecordTenantFailure(ctx context.Context, db Beginner, p string, e Event, cause error) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, p)
		batch.Queue(recordFailureSQL, p, string(e.Tenant), e.Position.Commit, e.Position.Prepare, e.Version, e.ID, e.Type, cause.Error())
		batch.Queue(`UPDATE projection_checkpoints SET commit_position = $2, prepare_position = $3,
    events = events + 1, updated_at = now() WHERE name = $1`, p, e.Position.Commit, e.Position.Prepare)
		results := tx.SendBatch(ctx, batch)
		defer results.Close()
		var at eventstore.Position
		if err := results.QueryRow().Scan(&at.Commit, &at.Prepare); err != nil {
			return fmt.Errorf("projections: %s: lock checkpoint: %w", p, err)
		}
		if e.Position.Compare(at) <= 0 {
			return fmt.Errorf("%w: %s is at %s, the failed event at %s", ErrAlreadyApplied, p, at, e.Position)
		}
		for range 2 {
			if _, err := results.Exec(); err != nil {
				return fmt.Errorf("projections: %s: record the failure of tenant %s: %w", p, e.Tenant, err)
			}
		}
		return results.Close()
	})
}

// Beginner starts transactions: a pool or a connection.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// RequestRetry asks for the failed tenant's held events to be applied again
// by the process that runs the projectors, and returns the failure as the
// request found it; ErrNoFailure when the tenant's projection has not
// failed. The failure is read in the request's own statement: that process
// may carry the retry out, and clear the failure, before a later statement
// could read it, which made a retry that worked answer ErrNoFailure.
func RequestRetry(ctx context.Context, db DB, projection string, tenant domain.TenantID) (TenantFailure, error) {
	rows, err := db.Query(ctx, `UPDATE projection_failures SET retry_requested_at = now() WHERE projection = $1 AND tenant = $2
RETURNING `+failureColumns, projection, string(tenant))
	if err != nil {
		return TenantFailure{}, fmt.Errorf("projections: request a retry of %s for %s: %w", projection, tenant, err)
	}
	failures, err := pgx.CollectRows(rows, scanFailure)
	if err != nil {
		return TenantFailure{}, fmt.Errorf("projections: request a retry of %s for %s: %w", projection, tenant, err)
	}
	if len(failures) == 0 { // one at most: the table's key is (projection, tenant)
		return TenantFailure{}, fmt.Errorf("%w: %s of %s", ErrNoFailure, projection, tenant)
	}
	return failures[0], nil
}

// LoadFailure reads one tenant's failure of one projector; ErrNoFailure
// when there is none.
func LoadFailure(ctx context.Context, db DB, projection string, tenant domain.TenantID) (TenantFailure, error) {
	failures, err := loadFailures(ctx, db, projection, tenant)
	if err != nil {
		return TenantFailure{}, err
	}
	if len(failures) > 0 { // one at most: the table's key is (projection, tenant)
		return failures[0], nil
	}
	return TenantFailure{}, fmt.Errorf("%w: %s of %s", ErrNoFailure, projection, tenant)
}
