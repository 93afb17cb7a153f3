-- How far the NATS publisher (infra/natspublisher) has copied the public
-- event log (public_events_v1) into each JetStream stream: the feed
-- position of the last row it published and saw acknowledged. Written
-- after the acknowledgements, so a crash between the two publishes those
-- rows again, which JetStream drops by their Nats-Msg-Id (the event id).
-- One row per stream name: a stream of a new name is filled from the
-- start; delete a row to fill its stream again.

-- +goose Up
CREATE TABLE nats_publisher_checkpoints (
    stream           text        PRIMARY KEY,
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE nats_publisher_checkpoints;
