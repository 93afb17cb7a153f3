-- The refusals automatic deactivation met (deactivate_after_days_without_login):
-- the latest per user, so that GET /v1/tenants/{tenant}/users?inactive_days=N
-- shows why a user past the limit is still active (the sole owner, a team
-- leader under commerce). The scheduler writes a row when a deactivation is
-- refused and deletes it when the user is deactivated or logs in again.

-- +goose Up
CREATE TABLE auto_deactivation_refusals (
    tenant_id text        NOT NULL,
    user_id   text        NOT NULL,
    code      text        NOT NULL,
    detail    text        NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

-- +goose Down
DROP TABLE auto_deactivation_refusals;
