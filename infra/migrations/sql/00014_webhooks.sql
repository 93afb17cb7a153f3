-- Webhooks (infra/webhooks): each tenant's endpoints, one delivery per
-- endpoint and public event (public_events_v1), every attempt made, and how
-- far the fan-out from the public event log to deliveries has got. Kept
-- beside the event store, not in it: deliveries are traffic, not changes of
-- a tenant.

-- +goose Up
CREATE TABLE webhook_endpoints (
    tenant_id       text        NOT NULL,
    id              text        NOT NULL,
    url             text        NOT NULL,
    -- The public event types sent; empty: all of them.
    types           text[]      NOT NULL DEFAULT '{}',
    enabled         boolean     NOT NULL,
    -- The signing secret's key bytes, sealed: nonce (12 bytes) ||
    -- AES-256-GCM under a key derived from ROSTER_MASTER_KEY, with
    -- tenant_id || 0x00 || id as associated data. Never stored in the clear.
    secret          bytea       NOT NULL,
    -- The secret before the last rotation, sealed alike; it signs too until
    -- previous_until, so that receivers have time to switch.
    previous_secret bytea,
    previous_until  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Why Roster turned the endpoint off (410 Gone, failing for days);
    -- cleared when an admin enables it again.
    disabled_at     timestamptz,
    disabled_reason text,
    -- Since when every attempt has failed (no 2xx since); NULL when the
    -- last attempt succeeded.
    failing_since   timestamptz,
    PRIMARY KEY (tenant_id, id)
);

-- One per endpoint and public event. position_* is the event's place in
-- public_events_v1, whose body is sent: nothing of the event is copied here.
CREATE TABLE webhook_deliveries (
    tenant_id        text        NOT NULL,
    endpoint_id      text        NOT NULL,
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    event_id         text        NOT NULL,
    event_type       text        NOT NULL,
    state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    -- Attempts ever made (they number the attempts log); retries counts
    -- the failed ones since the delivery was last queued (or replayed),
    -- and sets the backoff.
    attempts         int         NOT NULL DEFAULT 0,
    retries          int         NOT NULL DEFAULT 0,
    -- When a worker may take it next. A worker that takes it moves this
    -- past its attempt (a lease): should it die, another retries then.
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz,
    last_status      int,
    last_error       text,
    last_latency_ms  int,
    PRIMARY KEY (tenant_id, endpoint_id, position_commit, position_prepare),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints ON DELETE CASCADE
);

-- What the workers claim: pending deliveries by when they are due, then in
-- the log's order.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, position_commit, position_prepare)
    WHERE state = 'pending';

-- What the purge of the delivery log deletes: finished deliveries by age.
CREATE INDEX webhook_deliveries_done_idx ON webhook_deliveries (created_at) WHERE state <> 'pending';

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
    tenant_id        text        NOT NULL,
    endpoint_id      text        NOT NULL,
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    attempt          int         NOT NULL,
    at               timestamptz NOT NULL,
    -- NULL when no answer came (refused connection, timeout).
    status_code      int,
    latency_ms       int         NOT NULL,
    error            text,
    -- When the delivery is tried again after this attempt; NULL when it
    -- is not (delivered, failed for good, endpoint disabled).
    next_attempt_at  timestamptz,
    PRIMARY KEY (tenant_id, endpoint_id, position_commit, position_prepare, attempt),
    FOREIGN KEY (tenant_id, endpoint_id, position_commit, position_prepare) REFERENCES webhook_deliveries ON DELETE CASCADE
);

-- One row: the public event log has been fanned out into deliveries up to
-- this position.
CREATE TABLE webhook_fanout (
    id               int         PRIMARY KEY CHECK (id = 1),
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
INSERT INTO webhook_fanout (id, position_commit, position_prepare) VALUES (1, 0, 0);

-- +goose Down
DROP TABLE webhook_fanout;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
