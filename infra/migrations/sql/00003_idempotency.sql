-- Idempotency keys: per tenant, the fingerprint of the first request sent
-- with a key and, once it has finished, its outcome. Rows older than
-- commands.IdempotencyTTL are dead: a new claim replaces them, and a
-- periodic purge deletes them.

-- +goose Up
CREATE TABLE idempotency_keys (
    tenant_id   text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    -- NULL while the first request is in progress.
    outcome     bytea,
    -- The claimant's clock, not the database's: expiry is judged against the
    -- "now" the service passes in.
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- The purge deletes by age across all tenants.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
