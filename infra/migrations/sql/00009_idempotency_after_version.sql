-- The tenant stream's version the claimant of an idempotency key knew when
-- it claimed: its request's events, if it stored any, come after it. A
-- retry of a request that died before recording its outcome looks there
-- for the events it derived from the key, so it answers with the first
-- outcome (the event store alone cannot say: KurrentDB recognises event
-- ids only at the expected revision they were first appended with).

-- +goose Up
ALTER TABLE idempotency_keys ADD COLUMN after_version bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN after_version;
