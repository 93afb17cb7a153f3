-- Point-in-time reads of one user (GET users/{user}?as_of=, roster audit
-- replay --user) replay only that user's history, never the tenant's whole
-- stream: the events that name them, plus the few that shape every user
-- (domain.InUserHistory). These indexes find them; they are expressions over
-- the payload, so they are filled in the append's own transaction with no
-- change to the append, and cover the events stored before this migration.
--
-- Which payload fields name a user mirrors domain.Subjects: "user" for every
-- user event, "leader" and "previous" for TeamLeaderAssigned (a "previous"
-- field of WorkAssigned names no subject, hence the predicate). The events
-- that shape every user are domain.ShapesEveryUser's. A test in
-- infra/pgstore checks both against the domain for every registered type.

-- +goose Up
CREATE INDEX events_user_history_idx ON events (stream_id, (payload ->> 'user'), stream_version)
    WHERE payload ->> 'user' IS NOT NULL;
CREATE INDEX events_team_leader_idx ON events (stream_id, (payload ->> 'leader'))
    WHERE event_type = 'TeamLeaderAssigned';
CREATE INDEX events_team_previous_leader_idx ON events (stream_id, (payload ->> 'previous'))
    WHERE event_type = 'TeamLeaderAssigned';
CREATE INDEX events_shaping_every_user_idx ON events (stream_id, stream_version)
    WHERE event_type IN ('TenantCreated', 'TenantPolicyChanged', 'TeamDefined');

-- +goose Down
DROP INDEX events_shaping_every_user_idx;
DROP INDEX events_team_previous_leader_idx;
DROP INDEX events_team_leader_idx;
DROP INDEX events_user_history_idx;
