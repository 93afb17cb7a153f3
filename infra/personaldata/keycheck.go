package personaldata

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrWrongMasterKey is returned (wrapped) when the configured master key is
// not the one the database's personal data was encrypted with. Starting
// anyway would show every person as unreadable, or worse as erased, so the
// service must refuse to start.
var ErrWrongMasterKey = errors.New("personaldata: the configured ROSTER_MASTER_KEY is not the master key " +
	"this database's personal data was encrypted with; start with the original key " +
	"(a new key cannot read existing personal data)")

// keyCheckMessage is what the key-check key authenticates: its HMAC is the
// stored check value.
const keyCheckMessage = "roster master key check"

// CheckMasterKey verifies that key is the database's master key. The first
// call on a database records the key's check value (an HMAC under a derived
// key, which reveals nothing of the key); later calls compare against it in
// constant time and fail with ErrWrongMasterKey on a mismatch. Concurrent
// first calls are safe: one check value wins and the others are compared to
// it. Call it at start-up, before serving.
func CheckMasterKey(ctx context.Context, pool *pgxpool.Pool, key MasterKey) error {
	if key.IsZero() {
		return errNoMasterKey
	}
	want := key.checkValue()
	stored, found, err := storedCheckValue(ctx, pool)
	if err != nil {
		return err
	}
	if !found {
		if stored, err = recordCheckValue(ctx, pool, key, want); err != nil {
			return err
		}
	}
	if !hmac.Equal(stored, want) {
		return fmt.Errorf("personaldata: check master key: %w", ErrWrongMasterKey)
	}
	return nil
}

func (m MasterKey) checkValue() []byte {
	mac := hmac.New(sha256.New, m.mustKeys().check)
	mac.Write([]byte(keyCheckMessage))
	return mac.Sum(nil)
}

func storedCheckValue(ctx context.Context, pool *pgxpool.Pool) ([]byte, bool, error) {
	var stored []byte
	err := pool.QueryRow(ctx, `SELECT key_check FROM personal_data_master WHERE id = 1`).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("personaldata: check master key: %w", err)
	}
	return stored, true, nil
}

// recordCheckValue stores want unless another process got there first, and
// returns the check value that is now stored. A database that already holds
// data keys (written before any check was recorded) is first proven to open
// with key, so that a wrong key is never enshrined.
func recordCheckValue(ctx context.Context, pool *pgxpool.Pool, key MasterKey, want []byte) ([]byte, error) {
	if err := openAnyStoredKey(ctx, pool, key); err != nil {
		return nil, err
	}
	_, err := pool.Exec(ctx, `INSERT INTO personal_data_master (id, key_check) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, want)
	if err != nil {
		return nil, fmt.Errorf("personaldata: record master key check: %w", err)
	}
	stored, found, err := storedCheckValue(ctx, pool)
	if err == nil && !found {
		err = errors.New("personaldata: record master key check: the check value vanished")
	}
	return stored, err
}

// openAnyStoredKey unwraps one stored data key, if there is any, with key.
func openAnyStoredKey(ctx context.Context, pool *pgxpool.Pool, key MasterKey) error {
	var ref UserRef
	var wrapped []byte
	err := pool.QueryRow(ctx, `SELECT tenant_id, user_id, wrapped_key FROM personal_data_keys LIMIT 1`).
		Scan(&ref.Tenant, &ref.User, &wrapped)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("personaldata: check master key: %w", err)
	}
	wrapper, err := newWrapper(key)
	if err != nil {
		return err
	}
	if _, err := wrapper.unwrap(ref, wrapped); err != nil {
		return fmt.Errorf("personaldata: check master key against a stored data key: %w", err)
	}
	return nil
}
