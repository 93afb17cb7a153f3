-- Write-model snapshots: the latest serialised state of each stream, so that
-- loading an aggregate with a long history replays only the events after it.
-- A cache, not a source of truth: the whole table may be truncated at any time
-- and every stream is rebuilt from the event log.

-- +goose Up
CREATE TABLE snapshots (
    stream_id        text        PRIMARY KEY,
    -- The stream version the state includes.
    stream_version   bigint      NOT NULL CHECK (stream_version > 0),
    -- The feed position (eventstore.Position) of that version's event. Both
    -- halves are uint64 in Go; numeric(20) holds every uint64 exactly (bigint
    -- would need a sign-flipping cast for values above 2^63-1).
    commit_position  numeric(20) NOT NULL CHECK (commit_position BETWEEN 0 AND 18446744073709551615),
    prepare_position numeric(20) NOT NULL CHECK (prepare_position BETWEEN 0 AND 18446744073709551615),
    -- domain.SnapshotSchemaVersion of the code that wrote data.
    schema_version   integer     NOT NULL,
    data             bytea       NOT NULL,
    taken_at         timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE snapshots;
