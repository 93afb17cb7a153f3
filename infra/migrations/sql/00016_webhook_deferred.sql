-- Deliveries the webhook fan-out (infra/webhooks) has passed over for now:
-- those of a fast endpoint beyond the window its process may hold. From
-- (position_commit, position_prepare) on, up to the fan-out's checkpoint,
-- the endpoint's events are yet to be queued for it; while the row
-- exists the fan-out leaves its new events to it too. The owner, the
-- process that deferred them, queues them leased to itself as its window
-- frees (sending them without a claim each) and keeps touched_at fresh;
-- any process queues them for all, as the fan-out would have, once the
-- owner has let go (owner NULL) or has not touched the row for seconds.

-- +goose Up
CREATE TABLE webhook_deferred (
    tenant_id        text        NOT NULL,
    endpoint_id      text        NOT NULL,
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    owner            text,
    touched_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, endpoint_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints ON DELETE CASCADE
);

-- +goose Down
DROP TABLE webhook_deferred;
