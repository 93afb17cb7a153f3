-- roster_require_session raises an exception unless the session with this
-- digest is stored and unexpired at the given instant: the precondition a
-- command's append carries when its request's token was taken from a
-- process's cache rather than read again (see commands.SessionCheck), so
-- that a logout answered by any process fails the next command in the same
-- round trip that would store its events.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION roster_require_session(session_digest text, at timestamptz) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM sessions WHERE digest = session_digest AND expires_at > at) THEN
        RAISE EXCEPTION 'the session has ended';
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION roster_require_session(text, timestamptz);
