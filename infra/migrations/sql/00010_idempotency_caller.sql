-- Idempotency keys are their caller's (the operator, or one user of the
-- tenant), not the whole tenant's: two callers who choose the same key get
-- a record each, and never see each other's outcome. Records from before
-- this migration belong to no known caller (''): they match no request of
-- the API again and expire within 24 h.

-- +goose Up
ALTER TABLE idempotency_keys ADD COLUMN caller text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (tenant_id, caller, key);

-- +goose Down
-- One record per (tenant, key) survives, as the older schema holds them.
DELETE FROM idempotency_keys k USING idempotency_keys o
WHERE k.tenant_id = o.tenant_id AND k.key = o.key AND k.caller > o.caller;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys DROP COLUMN caller;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (tenant_id, key);
