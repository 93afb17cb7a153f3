-- Session tokens, stored only as SHA-256 digests: a stolen copy of this table
-- opens no session. Logout deletes the row; whether a live row's token may
-- still be used is decided against the write model (revocations, status).

-- +goose Up
CREATE TABLE sessions (
    digest     text        PRIMARY KEY,
    tenant_id  text        NOT NULL,
    user_id    text        NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

-- The purge of expired sessions deletes by expiry.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
