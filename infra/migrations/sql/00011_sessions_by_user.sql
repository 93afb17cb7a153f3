-- A command's consequences count the sessions of its user that it ends
-- (sessions_revoked): the user's sessions are found by this index.

-- +goose Up
CREATE INDEX sessions_tenant_user_idx ON sessions (tenant_id, user_id);

-- +goose Down
DROP INDEX sessions_tenant_user_idx;
