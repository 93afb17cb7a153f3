-- With ROSTER_EVENTSTORE=kurrentdb the events live in KurrentDB, and the
-- ingester (infra/kurrentfeed) copies the feed ($all, filtered to Roster's
-- streams) into kurrent_feed for the projectors, each batch in one
-- transaction with the position it reached, so that a crash neither loses
-- nor duplicates an event. Unused (empty) with the PostgreSQL event store.

-- +goose Up
CREATE TABLE kurrent_feed (
    -- The event's position in KurrentDB's $all: the feed's order and key.
    commit_position  bigint      NOT NULL,
    prepare_position bigint      NOT NULL,
    stream_id        text        NOT NULL,
    stream_version   bigint      NOT NULL,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    schema_version   integer     NOT NULL,
    -- json (not jsonb) keeps the bytes exactly as appended.
    payload          json        NOT NULL,
    metadata         json        NOT NULL,
    occurred_at      timestamptz NOT NULL,
    PRIMARY KEY (commit_position, prepare_position)
);

-- How far the ingester has copied $all: the last event's position, or a
-- later one when the server's checkpoints passed over other streams. One
-- row; an ingester locks it for the length of its transaction, so two
-- ingesters never copy the same event.
CREATE TABLE kurrent_feed_position (
    single           boolean PRIMARY KEY DEFAULT true CHECK (single),
    commit_position  bigint  NOT NULL,
    prepare_position bigint  NOT NULL
);
INSERT INTO kurrent_feed_position VALUES (true, 0, 0);

-- +goose Down
DROP TABLE kurrent_feed_position;
DROP TABLE kurrent_feed;
