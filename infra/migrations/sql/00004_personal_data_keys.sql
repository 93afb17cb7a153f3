-- Personal data keys (crypto-shredding, infra/personaldata). Names and
-- e-mail addresses inside events are sealed with a per-user data key; the
-- keys live here, wrapped by a key derived from ROSTER_MASTER_KEY, outside
-- the append-only event log. Erasing a person deletes their key row.

-- +goose Up

-- One row: a keyed check value of the master key, so that a process started
-- with another ROSTER_MASTER_KEY refuses to start instead of showing every
-- person as erased.
CREATE TABLE personal_data_master (
    id         int         PRIMARY KEY CHECK (id = 1),
    -- HMAC-SHA256(HKDF(master, "roster key-check v1"), "roster master key check").
    key_check  bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE personal_data_keys (
    tenant_id   text        NOT NULL,
    user_id     text        NOT NULL,
    -- nonce (12 bytes) || AES-256-GCM(wrapping key, 32-byte data key), with
    -- tenant_id || 0x00 || user_id as associated data: a row copied to another
    -- user does not open.
    wrapped_key bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);

-- Who has been deleted, per tenant stream: consulted before a data key is
-- created (a deleted person never gets a new key) and by the key audit.
-- Partial, so it costs nothing for every other event type.
CREATE INDEX events_user_deleted_idx ON events (stream_id, (payload ->> 'user'))
    WHERE event_type = 'UserDeleted';

-- +goose Down
DROP INDEX events_user_deleted_idx;
DROP TABLE personal_data_keys;
DROP TABLE personal_data_master;
