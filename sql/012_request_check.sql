-- 012: the per-request access check of HTTP requests as one statement that can travel in the
-- same round trip as the tool's own statement (pqpool's Lease::SetGuard).
--
-- Before 012 every HTTP request first looked up its bearer token and session on a lease of
-- the server tenant, then took a second lease for the tool: two acquires, two round trips.
-- Now the HTTP backend, when this process has already seen the token and the session, takes
-- only the tool's lease and sends mnemo.check_request in front of the tool's first statement,
-- in the same implicit transaction. When the check fails, the statement does not run and
-- what the check wrote is undone: a revoked token, a deleted or expired session, or a session
-- another replica changed (its project or log level) is caught on the very request, on every
-- replica, with no cache that could outlive it.
--
-- Both functions read the server's tables (row-level security: only the registry token sees
-- them), so they bind the server's token for their own statements and restore the caller's
-- tenant before returning. EXECUTE is revoked from PUBLIC: only mnemo's own role calls them,
-- and the token they need is one caller SQL never sees.

-- Raises SQLSTATE MN401 when the token (checked unless check_token is false: authentication
-- off) is unknown, revoked or not expected_user's; MN404 when the session is missing, expired
-- or not expected_user's; MN409 when its project or log level is no longer the expected one.
-- Slides the session's expiry and the token's last use at most once a minute, as
-- AccessStore::Resolve does.
CREATE FUNCTION mnemo.check_request(server_token text, token_hash text, session_hash text,
                                    ttl_seconds bigint, check_token boolean, expected_user text,
                                    expected_project text, expected_log_level text)
    RETURNS void
    LANGUAGE plpgsql
    AS $fn$
DECLARE
    outer_tenant text := coalesce(current_setting('mnemo.tenant', true), '');
    token record;
    session record;
BEGIN
    PERFORM set_config('mnemo.tenant', server_token, true);
    IF check_token THEN
        SELECT t.user_name, t.last_used_at INTO token
        FROM mnemo.api_tokens t
        WHERE t.token_hash = decode(check_request.token_hash, 'hex') AND t.revoked_at IS NULL;
        IF NOT FOUND OR token.user_name <> expected_user THEN
            RAISE EXCEPTION 'the bearer token is unknown or revoked' USING ERRCODE = 'MN401';
        END IF;
        IF token.last_used_at IS NULL OR token.last_used_at < now() - interval '1 minute' THEN
            UPDATE mnemo.api_tokens SET last_used_at = now()
            WHERE api_tokens.token_hash = decode(check_request.token_hash, 'hex');
        END IF;
    END IF;
    SELECT s.user_name, s.selected_project, s.log_level, s.last_seen INTO session
    FROM mnemo.http_sessions s
    WHERE s.id_hash = decode(session_hash, 'hex') AND s.expires_at > now();
    IF NOT FOUND OR session.user_name <> expected_user THEN
        RAISE EXCEPTION 'the session expired, was deleted or belongs to another user'
            USING ERRCODE = 'MN404';
    END IF;
    IF session.selected_project <> expected_project OR session.log_level <> expected_log_level THEN
        RAISE EXCEPTION 'the session''s project or log level changed' USING ERRCODE = 'MN409';
    END IF;
    IF session.last_seen < now() - make_interval(secs => least(ttl_seconds / 100, 60)) THEN
        UPDATE mnemo.http_sessions
        SET last_seen = now(), expires_at = now() + make_interval(secs => ttl_seconds)
        WHERE id_hash = decode(session_hash, 'hex') AND expires_at > now();
    END IF;
    PERFORM set_config('mnemo.tenant', outer_tenant, true);
END
$fn$;
REVOKE EXECUTE ON FUNCTION mnemo.check_request(text, text, text, bigint, boolean, text, text, text)
    FROM PUBLIC;

-- Stores what a request changed in its session (select_project, logging/setLevel), on
-- whatever lease the request holds. Only `owner`'s session changes.
CREATE FUNCTION mnemo.save_session_state(server_token text, session_hash text, owner text,
                                         project text, level text)
    RETURNS void
    LANGUAGE plpgsql
    AS $fn$
DECLARE
    outer_tenant text := coalesce(current_setting('mnemo.tenant', true), '');
BEGIN
    PERFORM set_config('mnemo.tenant', server_token, true);
    UPDATE mnemo.http_sessions SET selected_project = project, log_level = level
    WHERE id_hash = decode(session_hash, 'hex') AND user_name = owner;
    PERFORM set_config('mnemo.tenant', outer_tenant, true);
END
$fn$;
REVOKE EXECUTE ON FUNCTION mnemo.save_session_state(text, text, text, text, text) FROM PUBLIC;
