-- The event log. Append-only: rows are never updated or deleted (erasure
-- destroys keys, not events), and a trigger refuses anyone who tries.

-- +goose Up
CREATE TABLE events (
    -- Global sequence number: the "prepare" half of a feed position.
    position       bigint GENERATED ALWAYS AS IDENTITY,
    -- The appending transaction: the "commit" half of a feed position. The feed
    -- reads in (transaction_id, position) order below the snapshot's xmin, so a
    -- transaction that commits late is never skipped.
    transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id      text        NOT NULL,
    stream_version bigint      NOT NULL CHECK (stream_version > 0),
    event_id       uuid        NOT NULL,
    event_type     text        NOT NULL,
    schema_version integer     NOT NULL,
    -- json (not jsonb) keeps the bytes exactly as appended.
    payload        json        NOT NULL,
    metadata       json        NOT NULL DEFAULT '{}',
    occurred_at    timestamptz NOT NULL,
    -- Optimistic concurrency: two appends at the same version cannot both commit.
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
    -- Idempotency: an event id is stored once.
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    -- The feed's order, and the key: every read is by (transaction_id,
    -- position), so a separate index on position alone would only cost
    -- every append another index insertion.
    CONSTRAINT events_pkey PRIMARY KEY (transaction_id, position)
);

-- +goose StatementBegin
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER events_append_only_rows BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- +goose Down
DROP TABLE events;
DROP FUNCTION events_refuse_change();
