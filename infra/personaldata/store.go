package personaldata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
	"github.com/rosterhq/roster/infra/pgstore"
)

var _ eventstore.Store = (*Store)(nil)

// anyRetries bounds the retries of an erasing append expecting any version
// that lost a race for the next version number (as pgstore does).
const anyRetries = 20

// Store is the event store that personal data passes through: it seals the
// "pii" of events on the way in and opens it on the way out, showing
// {"erased":true} for people whose key has been destroyed, and it destroys
// the keys of the users of UserDeleted events atomically with their append.
// Everything else is the inner PostgreSQL store's, unchanged. Readers that
// need no personal data (the command side's write model) may read from the
// inner store directly, and save the key look-ups.
type Store struct {
	inner eventstore.Store
	pg    *pgstore.Store // the inner store when it is PostgreSQL's: appends share a transaction with key changes
	pool  *pgxpool.Pool
	vault vault
}

// NewStore returns a Store over inner, whose database pool is pool (the one
// holding the key tables). key must be the database's master key: check it
// with CheckMasterKey at start-up. With the zero key, every append or read
// that involves personal data fails.
func NewStore(inner *pgstore.Store, pool *pgxpool.Pool, key MasterKey) *Store {
	s := NewStoreOver(inner, pool, key)
	s.pg = inner
	return s
}

// NewStoreOver is NewStore over an event store outside PostgreSQL (such as
// KurrentDB), whose appends cannot share a transaction with the key table:
// the keys of a batch's deleted users are destroyed right after its append
// succeeds. Should the process die in between, whoever copies the feed into
// PostgreSQL must call DestroyKeysOfDeleted in the same transaction as the
// copy (infra/kurrentfeed does), so no deletion is stored without its keys
// being destroyed before any read model shows it.
func NewStoreOver(inner eventstore.Store, pool *pgxpool.Pool, key MasterKey) *Store {
	w, _ := newWrapper(key) // the zero key leaves a wrapper that refuses every use
	return &Store{inner: inner, pool: pool, vault: vault{pool: pool, wrapper: w}}
}

// Append implements eventstore.Appender. It seals personal data first (with
// keys got or created in one round trip), then appends through the inner
// store; a batch with UserDeleted events is appended in one transaction with
// the destruction of those users' keys, so neither happens without the other.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent) (eventstore.AppendResult, error) {
	return s.appendWhileLive(ctx, stream, expected, events, nil)
}

// AppendWhileLive implements eventstore.SessionGuard over PostgreSQL
// (NewStore): it is Append, with the sessions of live checked in the step
// that stores the events, on every path (key writes and destruction
// included). Over another store (NewStoreOver), which cannot, it refuses any
// session to check and stores nothing: SessionGuard tells which s is.
func (s *Store) AppendWhileLive(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	if len(live) > 0 && s.pg == nil {
		return eventstore.AppendResult{}, fmt.Errorf("personaldata: append %s: %w", stream, errNoSessionGuard)
	}
	return s.appendWhileLive(ctx, stream, expected, events, live)
}

// errNoSessionGuard refuses a session to check to a store over KurrentDB.
var errNoSessionGuard = errors.New("only a store over PostgreSQL checks sessions with its appends")

// SessionGuard is s with the capability of appending only while sessions
// are live, when its inner store is PostgreSQL's; nil over any other store
// (KurrentDB declines the capability), whose callers check sessions first.
func (s *Store) SessionGuard() eventstore.SessionGuard {
	if s.pg == nil {
		return nil
	}
	return s
}

func (s *Store) appendWhileLive(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	if fresh, scanned, users, err := scanBatch(stream, events); s.pg != nil && err == nil && len(users) > 0 &&
		len(fresh.erased) == 0 && onlyInvitations(fresh.events, scanned) {
		res, done, err := s.appendFresh(ctx, stream, expected, fresh, scanned, users, live)
		if done || err != nil {
			return res, err
		}
	}
	batch, err := s.sealBatch(ctx, stream, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if len(batch.erased) == 0 {
		return s.appendInner(ctx, stream, expected, batch.events, live)
	}
	if s.pg == nil {
		res, err := s.inner.Append(ctx, stream, expected, batch.events)
		if err != nil {
			return res, err
		}
		return res, eventstore.AfterAppend(destroyKeys(ctx, s.pool, batch.tenant, batch.erased))
	}
	return s.appendErasing(ctx, stream, expected, batch, live)
}

// appendInner appends sealed events through the inner store, with the
// sessions of live checked (then the inner store is PostgreSQL's).
func (s *Store) appendInner(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	if len(live) == 0 {
		return s.inner.Append(ctx, stream, expected, events)
	}
	return s.pg.AppendWhileLive(ctx, stream, expected, events, live)
}

// appendErasing appends an erasing batch with the same outcomes as
// pgstore.Append: a conflict is retried when any version is expected, and a
// batch whose ids are already stored is answered by the idempotency check.
func (s *Store) appendErasing(ctx context.Context, stream string, expected eventstore.ExpectedVersion, batch sealedBatch, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	for attempt := 0; ; attempt++ {
		res, err := s.appendAndDestroy(ctx, stream, expected, batch, live)
		if !errors.Is(err, eventstore.ErrVersionConflict) {
			return res, err
		}
		stored, lookErr := s.anyStored(ctx, stream, batch.events)
		if lookErr != nil {
			return eventstore.AppendResult{}, lookErr
		}
		if stored {
			return s.reappendErasing(ctx, stream, expected, batch, live)
		}
		if !expected.IsAny() || attempt == anyRetries {
			return res, err
		}
	}
}

// appendAndDestroy appends batch and destroys its erased users' keys in one
// transaction.
func (s *Store) appendAndDestroy(ctx context.Context, stream string, expected eventstore.ExpectedVersion, batch sealedBatch, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("personaldata: append %s: begin: %w", stream, pgoutage.Read(err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after Commit
	res, err := s.pg.AppendTx(ctx, tx, stream, expected, batch.events, live)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := destroyKeys(ctx, tx, batch.tenant, batch.erased); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("personaldata: append %s: commit: %w", stream, pgoutage.Commit(err))
	}
	return res, nil
}

// reappendErasing answers the re-append of a batch some of whose ids are
// already stored. Sealing used fresh nonces, so the payloads differ from the
// stored ones, but pgstore recognises a retry by ids, stream and order alone.
//
// It is safe outside a transaction because the inner Append cannot write
// here: with a stored id its insert fails on the unique event id, and only
// its idempotency check answers (the original result, ErrEventIDReused, or a
// conflict). On success the batch's UserDeleted events are stored, so their
// users' keys must be gone; the original append's transaction destroyed them
// already, and destroying them again is an idempotent no-op that only makes
// sure of it.
func (s *Store) reappendErasing(ctx context.Context, stream string, expected eventstore.ExpectedVersion, batch sealedBatch, live []eventstore.LiveSession) (eventstore.AppendResult, error) {
	res, err := s.appendInner(ctx, stream, expected, batch.events, live)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return res, eventstore.AfterAppend(destroyKeys(ctx, s.pool, batch.tenant, batch.erased))
}

// anyStored reports whether any of events' ids is already stored.
func (s *Store) anyStored(ctx context.Context, stream string, events []eventstore.NewEvent) (bool, error) {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	var stored bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE event_id = ANY($1::text[]::uuid[]))`, ids).Scan(&stored)
	if err != nil {
		return false, fmt.Errorf("personaldata: append %s: look up event ids: %w", stream, pgoutage.Read(err))
	}
	return stored, nil
}

// ReadStream implements eventstore.StreamReader, with personal data opened.
func (s *Store) ReadStream(ctx context.Context, stream string, after int64, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := s.inner.ReadStream(ctx, stream, after, limit)
	if err != nil {
		return nil, err
	}
	if err := s.unseal(ctx, events); err != nil {
		return nil, err
	}
	return events, nil
}

// ReadAll implements eventstore.Feed, with personal data opened.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := s.inner.ReadAll(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	if err := s.unseal(ctx, events); err != nil {
		return nil, err
	}
	return events, nil
}

// Subscribe implements eventstore.Feed, with personal data opened. Like the
// inner store's reads, key look-ups that fail (PostgreSQL restarting, say)
// are retried with backoff rather than ending the subscription; personal
// data that does not open (ErrTampered, ErrWrongMasterKey) ends it.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent) error) error {
	return s.inner.Subscribe(ctx, after, func(ctx context.Context, batch []eventstore.RecordedEvent) error {
		if err := s.unsealRetrying(ctx, batch); err != nil {
			return err
		}
		return handle(ctx, batch)
	})
}

// unsealRetrying is unseal with the key look-up retried until ctx ends.
func (s *Store) unsealRetrying(ctx context.Context, events []eventstore.RecordedEvent) error {
	found, err := locate(events)
	if err != nil || len(found) == 0 {
		return err
	}
	refs := refsOf(found)
	for wait := time.Duration(0); ; {
		keys, err := s.vault.fetch(ctx, refs)
		if err == nil {
			return openAll(events, found, keys)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrWrongMasterKey) || errors.Is(err, errNoMasterKey) {
			return err
		}
		wait = min(max(2*wait, 10*time.Millisecond), 5*time.Second)
		if err := pause.For(ctx, wait); err != nil {
			return err
		}
	}
}

// DestroyKeysOfDeleted destroys, through tx, the data keys of the users
// whose UserDeleted events are among events (as stored): the erasure of a
// store outside PostgreSQL, made part of the transaction that copies its
// feed into PostgreSQL (see NewStoreOver). Destroying a key already gone is
// a no-op.
func DestroyKeysOfDeleted(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error {
	for _, e := range events {
		if e.Type != userDeletedType {
			continue
		}
		f, err := scanFields(e.Payload)
		tenant, ok := domain.TenantOfStream(e.StreamID)
		if err != nil || !ok || f.user == "" {
			return fmt.Errorf("personaldata: deletion %s in %s names no user of a tenant (%v)", e.ID, e.StreamID, err)
		}
		if err := destroyKeys(ctx, tx, tenant, []domain.UserID{domain.UserID(f.user)}); err != nil {
			return err
		}
	}
	return nil
}
