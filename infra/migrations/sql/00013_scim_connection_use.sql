-- When each SCIM connection last authenticated, for the owner's list of
-- connections (last_used_at). Kept beside the event store, not in it: a use
-- changes nothing of the tenant, and recording every request as an event
-- would flood the stream. Each process writes at most once a minute per
-- connection.

-- +goose Up
CREATE TABLE scim_connection_use (
    tenant_id     text        NOT NULL,
    connection_id text        NOT NULL,
    last_used_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, connection_id)
);

-- +goose Down
DROP TABLE scim_connection_use;
