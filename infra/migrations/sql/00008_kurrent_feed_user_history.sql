-- With the KurrentDB event store, point-in-time reads of one user (GET
-- users/{user}?as_of=, roster audit replay --user) read that user's history
-- from kurrent_feed, the ingested copy of the feed, not from KurrentDB: a
-- tenant's stream there could only be read whole. These are migration
-- 00006's indexes on the copy, for the same query (pgstore.UserHistorySQL),
-- filled in each ingested batch's transaction. Empty with the PostgreSQL
-- event store, as the table is.

-- +goose Up
CREATE INDEX kurrent_feed_user_history_idx ON kurrent_feed (stream_id, (payload ->> 'user'), stream_version)
    WHERE payload ->> 'user' IS NOT NULL;
CREATE INDEX kurrent_feed_team_leader_idx ON kurrent_feed (stream_id, (payload ->> 'leader'))
    WHERE event_type = 'TeamLeaderAssigned';
CREATE INDEX kurrent_feed_team_previous_leader_idx ON kurrent_feed (stream_id, (payload ->> 'previous'))
    WHERE event_type = 'TeamLeaderAssigned';
CREATE INDEX kurrent_feed_shaping_every_user_idx ON kurrent_feed (stream_id, stream_version)
    WHERE event_type IN ('TenantCreated', 'TenantPolicyChanged', 'TeamDefined');

-- +goose Down
DROP INDEX kurrent_feed_shaping_every_user_idx;
DROP INDEX kurrent_feed_team_previous_leader_idx;
DROP INDEX kurrent_feed_team_leader_idx;
DROP INDEX kurrent_feed_user_history_idx;
