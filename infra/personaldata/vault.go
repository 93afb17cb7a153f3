package personaldata

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgoutage"
)

// dataKeySize is the length of a per-user data key (AES-256).
const dataKeySize = 32

// UserRef names one person: a user of a tenant. Data keys are per UserRef.
type UserRef struct {
	Tenant domain.TenantID
	User   domain.UserID
}

// associatedData binds a ciphertext to its person: tenant, NUL, user.
// PostgreSQL text cannot contain NUL, so the encoding is unambiguous.
func (r UserRef) associatedData() []byte {
	return []byte(string(r.Tenant) + "\x00" + string(r.User))
}

// dataKeys holds the opened data keys of the people one batch of events needs.
type dataKeys map[UserRef]cipher.AEAD

// newAEAD returns AES-256-GCM under key (32 bytes), with a 12-byte nonce.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain under aead with a fresh random nonce: nonce || ciphertext.
func seal(aead cipher.AEAD, plain, associated []byte) []byte {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never returns an error
	return aead.Seal(nonce, nonce, plain, associated)
}

// open reverses seal; it fails unless sealed is intact and associated matches.
func open(aead cipher.AEAD, sealed, associated []byte) ([]byte, error) {
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("sealed value is %d bytes, too short", len(sealed))
	}
	n := aead.NonceSize()
	return aead.Open(nil, sealed[:n], sealed[n:], associated)
}

// wrapper wraps data keys under the master key's key-wrapping key.
type wrapper struct {
	aead cipher.AEAD // nil for the zero MasterKey
}

func newWrapper(key MasterKey) (wrapper, error) {
	if key.IsZero() {
		return wrapper{}, errNoMasterKey
	}
	aead, err := newAEAD(key.keys.wrapping)
	if err != nil {
		return wrapper{}, fmt.Errorf("personaldata: key-wrapping cipher: %w", err)
	}
	return wrapper{aead: aead}, nil
}

// newDataKey returns a fresh random data key for ref, wrapped.
func (w wrapper) newDataKey(ref UserRef) ([]byte, error) {
	return w.wrap(ref, randomKey())
}

// wrap seals the data key raw of ref under the master key.
func (w wrapper) wrap(ref UserRef, raw []byte) ([]byte, error) {
	if w.aead == nil {
		return nil, errNoMasterKey
	}
	return seal(w.aead, raw, ref.associatedData()), nil
}

func randomKey() []byte {
	key := make([]byte, dataKeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never returns an error
	return key
}

// unwrap opens a stored data key of ref. Failure means the key row was
// wrapped under another master key (or altered): ErrWrongMasterKey.
func (w wrapper) unwrap(ref UserRef, wrapped []byte) (cipher.AEAD, error) {
	if w.aead == nil {
		return nil, errNoMasterKey
	}
	key, err := open(w.aead, wrapped, ref.associatedData())
	if err != nil || len(key) != dataKeySize {
		return nil, fmt.Errorf("personaldata: a data key of tenant %s does not open (wrapped under another master key, or altered): %w", ref.Tenant, ErrWrongMasterKey)
	}
	return newAEAD(key)
}

// vault stores data keys in personal_data_keys. It keeps no key in memory
// beyond one call: another process may destroy a key at any moment.
type vault struct {
	pool    *pgxpool.Pool
	wrapper wrapper
}

// createSQL inserts candidate keys ($3) for the users $2 of tenant $1, whose
// stream is $4, and returns those it inserted. It skips a user whose key is
// visible to it, rather than leaving that to ON CONFLICT: a conflict would
// wait on a concurrent erasure of that key and then insert a new key once
// the erasure committed. It skips a deleted user: nobody deleted gets a key.
//
// Here and in fetchSQL, OFFSET 0 keeps each look-up a per-user index probe:
// as a join, a plan made while a tenant looked small scans all its keys.
const createSQL = `
INSERT INTO personal_data_keys (tenant_id, user_id, wrapped_key)
SELECT $1, w.user_id, w.wrapped_key
FROM unnest($2::text[], $3::bytea[]) AS w(user_id, wrapped_key)
WHERE NOT EXISTS (SELECT 1 FROM personal_data_keys k
                  WHERE k.tenant_id = $1 AND k.user_id = w.user_id OFFSET 0)
  AND NOT EXISTS (SELECT 1 FROM events d
                  WHERE d.event_type = 'UserDeleted' AND d.stream_id = $4 AND d.payload ->> 'user' = w.user_id
                  OFFSET 0)
ON CONFLICT DO NOTHING
RETURNING tenant_id, user_id, wrapped_key`

// fetchSQL reads the keys of the (tenant $1[i], user $2[i]) pairs.
const fetchSQL = `
SELECT k.tenant_id, k.user_id, k.wrapped_key
FROM unnest($1::text[], $2::text[]) AS w(tenant_id, user_id)
CROSS JOIN LATERAL (SELECT * FROM personal_data_keys k
                    WHERE k.tenant_id = w.tenant_id AND k.user_id = w.user_id OFFSET 0) k`

// ensure returns the data keys of users of tenant, creating those that do not
// exist yet. A deleted user gets no key and is absent from the result. When
// the users are likely new (invitations) it creates first and reads only the
// keys it did not create; otherwise it reads first and creates only what it
// did not find. Either way the usual case costs one round trip; a user whose
// key a concurrent writer created meanwhile costs one more read.
func (v vault) ensure(ctx context.Context, tenant domain.TenantID, users []domain.UserID, likelyNew bool) (dataKeys, error) {
	steps := []func(context.Context, dataKeys, []UserRef) error{v.fetchInto, v.create, v.fetchInto}
	if likelyNew {
		steps = steps[1:]
	}
	keys := make(dataKeys, len(users))
	missing := make([]UserRef, len(users))
	for i, u := range users {
		missing[i] = UserRef{tenant, u}
	}
	for _, step := range steps {
		if len(missing) == 0 {
			break
		}
		if err := step(ctx, keys, missing); err != nil {
			return nil, err
		}
		missing = slices.DeleteFunc(missing, func(r UserRef) bool { return keys[r] != nil })
	}
	return keys, nil
}

// create inserts new keys for refs, all of one tenant, into keys; see createSQL.
func (v vault) create(ctx context.Context, keys dataKeys, refs []UserRef) error {
	tenant := refs[0].Tenant
	users, wrapped := make([]string, len(refs)), make([][]byte, len(refs))
	for i, r := range refs {
		w, err := v.wrapper.newDataKey(r)
		if err != nil {
			return err
		}
		users[i], wrapped[i] = string(r.User), w
	}
	rows, err := v.pool.Query(ctx, createSQL, string(tenant), users, wrapped, domain.TenantStream(tenant))
	if err != nil {
		return fmt.Errorf("personaldata: create data keys of tenant %s: %w", tenant, pgoutage.Read(err))
	}
	if err := v.collect(rows, keys); err != nil {
		return fmt.Errorf("personaldata: create data keys of tenant %s: %w", tenant, pgoutage.Read(err))
	}
	return nil
}

// fetch returns the existing data keys of refs in one query; a person whose
// key is gone (erased) is absent from the result.
func (v vault) fetch(ctx context.Context, refs []UserRef) (dataKeys, error) {
	keys := make(dataKeys, len(refs))
	return keys, v.fetchInto(ctx, keys, refs)
}

// fetchInto reads the existing keys of refs into keys.
func (v vault) fetchInto(ctx context.Context, keys dataKeys, refs []UserRef) error {
	tenants, users := make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		tenants[i], users[i] = string(r.Tenant), string(r.User)
	}
	rows, err := v.pool.Query(ctx, fetchSQL, tenants, users)
	if err != nil {
		return fmt.Errorf("personaldata: read data keys: %w", pgoutage.Read(err))
	}
	if err := v.collect(rows, keys); err != nil {
		return fmt.Errorf("personaldata: read data keys: %w", pgoutage.Read(err))
	}
	return nil
}

// collect unwraps rows of (tenant_id, user_id, wrapped_key) into keys.
func (v vault) collect(rows pgx.Rows, keys dataKeys) error {
	defer rows.Close()
	for rows.Next() {
		var tenant, user string
		var wrapped []byte
		if err := rows.Scan(&tenant, &user, &wrapped); err != nil {
			return err
		}
		ref := UserRef{domain.TenantID(tenant), domain.UserID(user)}
		aead, err := v.wrapper.unwrap(ref, wrapped)
		if err != nil {
			return err
		}
		keys[ref] = aead
	}
	return rows.Err()
}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// destroyKeys deletes the data keys of users of tenant: crypto-shredding.
// A lost connection is eventstore.ErrUnavailable (inside a transaction, it
// rolls back); a caller that destroys keys after their events were
// appended classifies it again (eventstore.AfterAppend).
func destroyKeys(ctx context.Context, q execer, tenant domain.TenantID, users []domain.UserID) error {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = string(u)
	}
	_, err := q.Exec(ctx, `DELETE FROM personal_data_keys WHERE tenant_id = $1 AND user_id = ANY($2)`, string(tenant), ids)
	if err != nil {
		return fmt.Errorf("personaldata: destroy data keys of tenant %s: %w", tenant, pgoutage.Read(err))
	}
	return nil
}
